import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttps } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { supportedLines } from './helpers/node-lines.js'

// There is no Docker engine where these tests run: the image is never built here. What can be
// checked without one is checked: the Dockerfile's invariants, and its health check run as a
// plain node command against servers that answer /health one way or the other.

const root = new URL('..', import.meta.url)
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8')
const dockerignore = readFileSync(new URL('.dockerignore', root), 'utf8')
const packageJson = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }

interface Instruction {
  readonly keyword: string
  readonly args: string
}

/** The instructions, continuation lines joined, comments dropped. */
const instructions: Instruction[] = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/)
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') }
  })

const indexOf = (keyword: string, match: RegExp = /(?:)/) => instructions.findIndex((i) => i.keyword === keyword && match.test(i.args))
const stages = instructions.flatMap((i, index) => (i.keyword === 'FROM' ? [index] : []))
const today = new Date().toISOString().slice(0, 10)

t.test('every stage starts from one pinned release of a supported Node LTS line', async (t) => {
  const lines = supportedLines()
  t.ok(stages.length >= 1, 'a FROM line')
  for (const index of stages) {
    const image = instructions[index]?.args.split(/\s+/)[0] ?? ''
    const tag = /^node:(\d+)\.\d+\.\d+-[a-z]+-slim$/.exec(image)
    t.ok(tag, `${image} names a full version (node:MAJOR.MINOR.PATCH-<debian>-slim), not a moving tag`)
    const line = lines.find((l) => String(l.major) === tag?.[1])
    t.ok(line, `Node ${tag?.[1]} is a line README "Node.js versions" supports`)
    if (line) t.ok(line.endOfLife > today, `Node ${line.major} is maintained until ${line.endOfLife}`)
  }
  const images = new Set(stages.map((index) => instructions[index]?.args.split(/\s+/)[0]))
  t.equal(images.size, 1, 'the build and the runtime stage use the same base')
})

t.test('the server runs as a user other than root', async (t) => {
  const users = instructions.filter((i) => i.keyword === 'USER')
  const last = users.at(-1)?.args.split(':')[0]
  t.ok(last, 'a USER instruction')
  t.notOk(['root', '0'].includes(last ?? 'root'), `USER ${last} is not root`)
  t.ok(indexOf('USER') > (stages.at(-1) ?? Infinity), 'in the final stage')
  t.ok(indexOf('USER') < indexOf('ENTRYPOINT'), 'before the entry point')
})

t.test('dependencies are installed before the source is copied (a layer that survives source edits)', async (t) => {
  const build = stages[0] ?? 0
  const packages = indexOf('COPY', /\bpackage\.json\b.*\bpackage-lock\.json\b/)
  const install = indexOf('RUN', /\bnpm ci\b/)
  const source = indexOf('COPY', /^src\b/)
  t.ok(packages > build, 'package.json and package-lock.json are copied')
  t.ok(install > packages, 'npm ci runs after they are')
  t.match(instructions[install]?.args ?? '', /--ignore-scripts/, 'without scripts (the source is not there yet)')
  t.match(instructions[install]?.args ?? '', /npm rebuild better-sqlite3/, 'then the native module is built')
  t.ok(source > install, 'src/ is copied only after the install')
})

t.test('the build stage has every file `npm run build` reads before it runs it', async (t) => {
  const build = indexOf('RUN', /\bnpm run build\b/)
  t.ok(build > 0, 'npm run build runs')
  const copied = instructions.slice(0, build).filter((i) => i.keyword === 'COPY').map((i) => i.args.split(/\s+/).slice(0, -1)).flat()
  // the build script's own file (scripts/build.mjs), the compiler's configuration and the sources
  const script = /^node (\S+)/.exec(packageJson.scripts.build ?? '')?.[1] ?? ''
  for (const needed of [script.split('/')[0] ?? '', 'tsconfig.json', 'src']) t.ok(copied.includes(needed), `${needed} is copied`)
})

t.test('the entry point is node itself, with a HEALTHCHECK on GET /health done by node', async (t) => {
  t.match(instructions[indexOf('ENTRYPOINT')]?.args ?? '', /^\["node",/, 'node is PID 1: docker stop reaches the server')
  const check = instructions.filter((i) => i.keyword === 'HEALTHCHECK')
  t.equal(check.length, 1, 'one HEALTHCHECK')
  t.match(check[0]?.args ?? '', /CMD \["node", "-e", /, 'run with node (a slim image has no curl)')
  t.match(check[0]?.args ?? '', /\/health/, 'on /health')
  t.notMatch(check[0]?.args ?? '', /\b(curl|wget)\b/)
})

t.test('.dockerignore keeps state, secrets and build output out of the build context', async (t) => {
  const entries = dockerignore.split('\n').map((line) => line.trim())
  for (const entry of ['data/', 'node_modules', 'dist', '.git', '.tap', 'coverage', '*.log', 'agentxml-mobile.json', 'test/artifacts', '**/agentxml.key']) {
    t.ok(entries.includes(entry), entry)
  }
})

/** The health check's script, as the image runs it. */
const healthScript = (() => {
  const args = /CMD (\[.*\])$/.exec(instructions.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '')?.[1]
  const command = JSON.parse(args ?? '[]') as string[]
  return command[2] ?? ''
})()

function runHealthCheck(env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', healthScript], { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' })
    child.once('exit', (code) => resolve(code ?? -1))
  })
}

/** A stand-in answering /health with `status`: the check is a client, this is its other end. */
async function standIn(t: { teardown(fn: () => unknown): void }, status: number, tls?: { key: Buffer; cert: Buffer }): Promise<number> {
  const answer = (request: IncomingMessage, reply: ServerResponse) => {
    reply.writeHead(request.url === '/health' ? status : 404, { 'content-type': 'text/plain' }).end('ok')
  }
  const server: Server = tls ? createHttps(tls, answer) : createHttp(answer)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return (server.address() as AddressInfo).port
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createHttp()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

t.test('the health check passes on 200 from /health and fails otherwise', async (t) => {
  t.equal(await runHealthCheck({ AGENTXML_PORT: String(await standIn(t, 200)) }), 0, '200: healthy')
  t.equal(await runHealthCheck({ AGENTXML_PORT: String(await standIn(t, 503)) }), 1, '503: unhealthy')
  t.equal(await runHealthCheck({ AGENTXML_PORT: String(await closedPort()) }), 1, 'nothing listening: unhealthy')
  const plain = String(await standIn(t, 200))
  t.equal(await runHealthCheck({ AGENTXML_PORT: plain, AGENTXML_TLS_CERT: '/cert.pem' }), 1, 'HTTPS to a plain HTTP server: unhealthy')
})

const hasOpenssl = await promisify(execFile)('openssl', ['version']).then(
  () => true,
  () => false,
)

t.test('with the TLS variables set the health check speaks HTTPS', { skip: hasOpenssl ? false : 'openssl is not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-health-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')]
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert])
  const port = String(await standIn(t, 200, { key: readFileSync(key), cert: readFileSync(cert) }))
  t.equal(await runHealthCheck({ AGENTXML_PORT: port, AGENTXML_TLS_CERT: cert, AGENTXML_TLS_KEY: key }), 0, 'a self-signed certificate is fine for "is it answering?"')
  t.equal(await runHealthCheck({ AGENTXML_PORT: port }), 1, 'plain HTTP to an HTTPS server: unhealthy')
})
