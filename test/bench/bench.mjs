// `npm run bench`: agentxml and a bare fastify + fast-xml-parser server, side by side in one run,
// driven by autocannon. Prints requests/s and p99 latency per action and the ratio to the bare server.
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import autocannon from 'autocannon'
import { seed } from './seed.mjs'

const root = new URL('../../', import.meta.url).pathname
const duration = Number(process.env.BENCH_SECONDS ?? 10)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10)
const rounds = Number(process.env.BENCH_ROUNDS ?? 2)
const targets = { ping: 0.8, provision: undefined, SecurityStrings: 0.5, login: 0.5 }

/**
 * Start a server process with its output going to a file (as in production: a pipe that the
 * load generator had to drain would slow the server down), and wait for the line that says
 * where it listens.
 */
async function start(args, pattern, env = {}) {
  const logFile = join(dir, `${args[0].replace(/\W+/g, '-')}.log`)
  const out = openSync(logFile, 'w')
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', out, 'inherit'] })
  closeSync(out)
  // never leave a server behind, whatever happens to this process
  process.on('exit', () => child.kill('SIGKILL'))
  for (let waited = 0; waited < 30_000; waited += 50) {
    const match = pattern.exec(readFileSync(logFile, 'utf8'))
    if (match) return { child, url: match[1] }
    if (child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${args.join(' ')} did not start; see ${logFile}`)
}

async function stop(child) {
  child.kill('SIGTERM')
  await once(child, 'exit')
}

function run(url, path, bodies, { amount } = {}) {
  let next = 0
  return autocannon({
    url,
    connections,
    ...(amount ? { amount } : { duration }),
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'text/xml' },
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
      },
    ],
    // a FAIL is an HTTP 200 too: every reply must say PASS to count
    verifyBody: (body) => body.includes('<Result>PASS</Result>'),
  })
}

const dir = mkdtempSync(join(tmpdir(), 'agentxml-bench-'))
const db = join(dir, 'agentxml.db')
try {
  process.stdout.write('seeding the database...\n')
  const workload = await seed(db)
  const ours = await start(['dist/cli/index.js', 'serve', '--port', '0', '--db', db], /agentxml listening on (http[^"\s]+)/, { AGENTXML_LOG_LEVEL: 'info' })
  const bare = await start(['test/bench/bare-server.mjs'], /bare listening on (http\S+)/)
  // the least a download or a login can cost (floor-server.mjs), measured beside the other two
  const floor = await start(['test/bench/floor-server.mjs', db], /floor listening on (http\S+)/)
  const floored = new Set(['SecurityStrings', 'login'])
  const rows = []
  const only = process.env.BENCH_ACTIONS?.split(',')
  for (const [action, { path, bodies, unique }] of Object.entries(workload)) {
    if (only && !only.includes(action)) continue
    // both servers warm up first; then they take turns, `rounds` runs each, and the means are compared.
    // Single-use bodies (provision codes, one-time codes) are split between agentxml's runs so
    // that each is sent once; the bare server, which checks nothing, gets the same bodies.
    const slices = Array.from({ length: rounds }, (_, i) => unique ? bodies.slice(Math.floor((i * bodies.length) / rounds), Math.floor(((i + 1) * bodies.length) / rounds)) : bodies)
    await run(bare.url, path, slices[0], { amount: 2000 })
    if (!unique) await run(ours.url, path, bodies, { amount: 2000 })
    const reference = []
    const measured = []
    const least = []
    for (const slice of slices) {
      // the bare server checks nothing, so it can run for the full duration on any bodies
      reference.push(await run(bare.url, path, slice, {}))
      measured.push(await run(ours.url, path, slice, unique ? { amount: slice.length } : {}))
      // like the bare server, it runs for the full duration: a login code may come round again
      if (floored.has(action)) least.push(await run(floor.url, path, slice, {}))
    }
    // requests per second over the whole run (autocannon's per-second average is skewed for short runs)
    const rate = (r) => r.requests.total / r.duration
    const mean = (results, pick) => results.reduce((sum, r) => sum + pick(r), 0) / results.length
    const oursRps = mean(measured, rate)
    const bareRps = mean(reference, rate)
    rows.push({
      action,
      'agentxml req/s': Math.round(oursRps),
      'agentxml p99 ms': mean(measured, (r) => r.latency.p99),
      'bare req/s': Math.round(bareRps),
      'bare p99 ms': mean(reference, (r) => r.latency.p99),
      ratio: Number((oursRps / bareRps).toFixed(2)),
      target: targets[action] ?? '-',
      'floor ratio': least.length ? Number((mean(least, rate) / bareRps).toFixed(2)) : '-',
      // the floor server's replies must say PASS as well, or its figure means nothing
      failures: [...measured, ...least].reduce((sum, r) => sum + r.non2xx + r.errors + r.mismatches, 0),
    })
  }
  await stop(ours.child)
  await stop(bare.child)
  await stop(floor.child)
  console.log(`\n${connections} connections, ${rounds} runs each of ${duration} s, taking turns (single-use workloads: each code sent once)`)
  console.table(rows)
  console.log('floor ratio: floor-server.mjs, only the work a download or a login cannot skip, against the bare server')
  if (rows.some((row) => row.failures > 0)) {
    console.error('some replies were not PASS: the figures above are not valid')
    process.exitCode = 1
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
