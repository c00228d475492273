import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { deriveCode } from '../src/domain/otc.js'
import type { MobileState } from '../src/mobile/state.js'

/**
 * End to end, as a user would: the real server in its own process, the `agentxml` command for
 * the administrator's steps and for the reference mobile client, and an agent's login over HTTP.
 */

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = join(root, 'dist', 'cli', 'index.js')

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(args: readonly string[], command = process.execPath, prefix: readonly string[] = [cli], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, [...prefix, ...args], { cwd: root, timeout: 60_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

async function startServer(t: { teardown(fn: () => unknown): void }, db: string): Promise<string> {
  const server: ChildProcess = spawn(process.execPath, [cli, 'serve', '--port', '0', '--db', db], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        if (server.exitCode !== null) return resolve()
        server.once('exit', () => resolve())
        server.kill('SIGTERM')
      }),
  )
  return new Promise((resolve, reject) => {
    let seen = ''
    server.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString()
      const match = /agentxml listening on (http:\/\/[^"\s]+)/.exec(seen)
      if (match?.[1]) resolve(match[1])
    })
    server.once('exit', (code) => reject(new Error(`server exited (${code}): ${seen}`)))
  })
}

const secret = 'portal-secret-123'

async function agentLogin(url: string, user: string, otc: string): Promise<string> {
  const body = `<SASRequest><Version>3.6</Version><Secret>${secret}</Secret><Action>login</Action><Username>${user}</Username><OTC>${otc}</OTC></SASRequest>`
  const response = await fetch(`${url}/pinsafe/AgentXML`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body })
  const xml = await response.text()
  return /<Result>(\w+)<\/Result>/.exec(xml)?.[1] ?? xml
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const address = probe.address()
  await new Promise((resolve) => probe.close(resolve))
  return typeof address === 'object' && address ? address.port : 9
}

// real processes on a shared machine: more than tap's default two minutes
t.setTimeout(600_000)

t.test('provision with the reference client, read an OTC, verify it with an agent login', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-mobile-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const db = join(dir, 'data', 'agentxml.db')
  const state = join(dir, 'phone.json')
  const url = await startServer(t, db)

  t.equal((await run(['user', 'add', 'alice', '--pin', '2468', '--db', db])).code, 0)
  t.equal((await run(['agent', 'add', 'portal', '--secret', secret, '--db', db])).code, 0)
  const reprovision = await run(['reprovision', 'alice', '--print-code', '--db', db])
  const code = reprovision.stdout.trim().split('\n').at(-1) ?? ''
  t.match(code, /^[A-Z2-9]{10}$/)

  const provisioned = await run(['mobile', 'provision', '--server', url, '--user', 'alice', '--code', code, '--state', state])
  t.equal(provisioned.code, 0, provisioned.stderr)
  t.match(provisioned.stdout, /provisioned "alice" at http:\/\/127\.0\.0\.1:\d+\/proxy\/AgentXML; 99 security strings downloaded/)
  t.equal(statSync(state).mode & 0o777, 0o600, 'the state file is private')
  const saved = JSON.parse(readFileSync(state, 'utf8')) as MobileState
  t.equal(saved.strings.length, 100)
  t.same(Object.keys(saved).sort(), ['downloadedAt', 'id', 'server', 'strings', 'used', 'user', 'version'], 'no PIN is stored')

  const first = await run(['mobile', 'otc', '--pin', '2468', '--state', state])
  t.equal(first.code, 0, first.stderr)
  const otc = first.stdout.trim()
  t.match(otc, /^\d{4}01$/, 'stdout is the OTC alone')
  t.match(first.stderr, /index 01, 98 left/)
  t.equal(await agentLogin(url, 'alice', otc), 'PASS')
  t.equal(await agentLogin(url, 'alice', otc), 'FAIL', 'the same OTC again')

  const legacy = await run(['mobile', 'otc', '--pin', '2468', '--legacy', '--state', state])
  t.match(legacy.stdout.trim(), /^\d{4},02$/)
  t.equal(await agentLogin(url, 'alice', legacy.stdout.trim()), 'PASS', 'the pre-3.10 form')
  t.equal((await fetch(`${url}/proxy/TokenIndex?username=alice`).then((r) => r.text())), '3')

  // nearly used up: the 99th code, then a new batch
  const nearlyUsed = JSON.parse(readFileSync(state, 'utf8')) as MobileState
  writeFileSync(state, JSON.stringify({ ...nearlyUsed, used: Array.from({ length: 98 }, (_, n) => n + 1) }), { mode: 0o600 })
  const last = await run(['mobile', 'otc', '--pin', '2468', '--state', state])
  t.match(last.stdout.trim(), /^\d{4}99$/)
  t.match(last.stderr, /index 99, 0 left/)
  t.equal(await agentLogin(url, 'alice', last.stdout.trim()), 'PASS')
  const renewed = await run(['mobile', 'otc', '--pin', '2468', '--state', state])
  t.match(renewed.stderr, /downloaded a new batch/)
  t.match(renewed.stdout.trim(), /^\d{4}01$/)
  t.equal(await agentLogin(url, 'alice', renewed.stdout.trim()), 'PASS', 'a code of the new batch')
  const after = JSON.parse(readFileSync(state, 'utf8')) as MobileState
  t.notSame(after.strings, nearlyUsed.strings)
  t.same(after.used, [1])
  t.equal(statSync(state).mode & 0o777, 0o600, 'still private after a rewrite')

  // a code of the retired batch, at an index where it differs from the new one
  const index = [5, 6, 7, 8, 9].find((n) => deriveCode(nearlyUsed.strings[n] ?? '', '2468') !== deriveCode(after.strings[n] ?? '', '2468')) ?? 5
  t.equal(await agentLogin(url, 'alice', `${deriveCode(nearlyUsed.strings[index] ?? '', '2468')}0${index}`), 'FAIL', 'the old batch is retired')

  // the batch held still has 98 unused strings: a download would retire them, so it needs --new
  const held = readFileSync(state, 'utf8')
  const refused = await run(['mobile', 'strings', '--state', state])
  t.equal(refused.code, 1, 'refused without --new')
  t.equal(refused.stderr, 'agentxml: 98 security strings of the current batch are unused; "mobile strings --new" downloads a new batch and they stop working\n')
  t.equal(refused.stdout, '')
  t.equal(readFileSync(state, 'utf8'), held, 'the state file is untouched')
  const keptOn = await run(['mobile', 'otc', '--pin', '2468', '--state', state])
  t.match(keptOn.stdout.trim(), /^\d{4}02$/)
  t.equal(await agentLogin(url, 'alice', keptOn.stdout.trim()), 'PASS', 'the held batch still works on the server')

  const strings = await run(['mobile', 'strings', '--new', '--state', state])
  t.equal(strings.code, 0, strings.stderr)
  t.match(strings.stdout, /99 security strings downloaded/)
  const renewedAgain = JSON.parse(readFileSync(state, 'utf8')) as MobileState
  t.same(renewedAgain.used, [])
  t.notSame(renewedAgain.strings, after.strings, 'a new batch')
  const differs = [3, 4, 5, 6, 7, 8, 9].find((n) => deriveCode(after.strings[n] ?? '', '2468') !== deriveCode(renewedAgain.strings[n] ?? '', '2468')) ?? 3
  t.equal(await agentLogin(url, 'alice', `${deriveCode(after.strings[differs] ?? '', '2468')}0${differs}`), 'FAIL', 'the batch --new replaced is retired')

  const viaNpx = await run(['agentxml', 'mobile', 'otc', '--pin', '2468', '--state', state], 'npx', ['--no-install'])
  t.equal(viaNpx.code, 0, viaNpx.stderr)
  t.equal(await agentLogin(url, 'alice', viaNpx.stdout.trim()), 'PASS', 'npx agentxml works the same')

  // the PIN from the environment, out of sight of ps
  const viaEnv = await run(['mobile', 'otc', '--state', state], process.execPath, [cli], { AGENTXML_PIN: '2468' })
  t.equal(viaEnv.code, 0, viaEnv.stderr)
  t.equal(await agentLogin(url, 'alice', viaEnv.stdout.trim()), 'PASS', 'AGENTXML_PIN gives the PIN as --pin does')

  // a batch with nothing left loses nothing: no --new needed
  const usedUp = JSON.parse(readFileSync(state, 'utf8')) as MobileState
  writeFileSync(state, JSON.stringify({ ...usedUp, used: Array.from({ length: 99 }, (_, n) => n + 1) }), { mode: 0o600 })
  const plain = await run(['mobile', 'strings', '--state', state])
  t.equal(plain.code, 0, plain.stderr)
  t.same((JSON.parse(readFileSync(state, 'utf8')) as MobileState).used, [], 'a used-up batch is replaced without --new')
})

t.test('the client fails with one clear line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-mobile-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const db = join(dir, 'data', 'agentxml.db')
  const url = await startServer(t, db)
  await run(['user', 'add', 'bob', '--pin', '1357', '--db', db])
  const state = join(dir, 'phone.json')

  const refused = await run(['mobile', 'provision', '--server', `${url}/proxy/AgentXML`, '--user', 'bob', '--code', 'ABCDEFGHJK', '--state', state])
  t.equal(refused.code, 1)
  t.equal(refused.stderr, 'agentxml: provision failed (PROVISION_FAILURE)\n')

  const noState = await run(['mobile', 'otc', '--pin', '1357', '--state', state])
  t.equal(noState.code, 1)
  t.equal(noState.stderr, `agentxml: no mobile state in ${state}; run "agentxml mobile provision" first\n`)

  const port = await closedPort()
  const unreachable = await run(['mobile', 'provision', '--server', `http://127.0.0.1:${port}`, '--user', 'bob', '--code', 'X', '--state', state])
  t.equal(unreachable.code, 1)
  t.match(unreachable.stderr, new RegExp(`^agentxml: cannot reach http://127\\.0\\.0\\.1:${port}/proxy/AgentXML \\(ECONNREFUSED\\)\\n$`))

  const badPin = await run(['mobile', 'otc', '--pin', '12', '--state', state])
  t.equal(badPin.stderr, 'agentxml: a PIN is 4 to 10 digits\n')
  const usage = await run(['mobile', 'otc', '--state', state])
  t.equal(usage.code, 2)
  t.equal(usage.stderr, 'agentxml: mobile needs --pin (or AGENTXML_PIN); try agentxml mobile --help\n')

  writeFileSync(state, '{"not":"a state"}')
  t.equal((await run(['mobile', 'strings', '--state', state])).stderr, `agentxml: ${state} is not a mobile state file\n`)
})
