// `npm run bench`: agentxml and a bare fastify + fast-xml-parser server, side by side in one run,
// driven by autocannon. Prints requests/s and p99 latency per action and the ratio to the bare server.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connections, duration, failures, mean, rate, rounds, run, slices as split, start, stop } from './harness.mjs'
import { postgresRun } from './postgres.mjs'
import { seed } from './seed.mjs'

const targets = { ping: 0.8, provision: undefined, SecurityStrings: 0.5, login: 0.5 }

const dir = mkdtempSync(join(tmpdir(), 'agentxml-bench-'))
const db = join(dir, 'agentxml.db')
try {
  process.stdout.write('seeding the database...\n')
  const workload = await seed(db)
  const ours = await start(dir, 'agentxml', ['dist/cli/index.js', 'serve', '--port', '0', '--db', db], /agentxml listening on (http[^"\s]+)/, { AGENTXML_LOG_LEVEL: 'info' })
  const bare = await start(dir, 'bare', ['test/bench/bare-server.mjs'], /bare listening on (http\S+)/)
  // the least a download or a login can cost (floor-server.mjs), measured beside the other two
  const floor = await start(dir, 'floor', ['test/bench/floor-server.mjs', db], /floor listening on (http\S+)/)
  const floored = new Set(['SecurityStrings', 'login'])
  const rows = []
  const only = process.env.BENCH_ACTIONS?.split(',')
  for (const [action, { path, bodies, unique }] of Object.entries(workload)) {
    if (only && !only.includes(action)) continue
    // both servers warm up first; then they take turns, `rounds` runs each, and the means are compared.
    // Single-use bodies (provision codes, one-time codes) are split between agentxml's runs so
    // that each is sent once; the bare server, which checks nothing, gets the same bodies.
    const slices = unique ? split(bodies, rounds) : Array(rounds).fill(bodies)
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
      failures: failures([...measured, ...least]),
    })
  }
  await stop(ours.child)
  await stop(bare.child)
  await stop(floor.child)
  console.log(`\n${connections} connections, ${rounds} runs each of ${duration} s, taking turns (single-use workloads: each code sent once)`)
  console.table(rows)
  console.log('floor ratio: floor-server.mjs, only the work a download or a login cannot skip, against the bare server')
  const postgres = process.env.BENCH_POSTGRES === '0' ? [] : await postgresRun(dir)
  if ([...rows, ...postgres].some((row) => row.failures > 0)) {
    console.error('some replies were not PASS: the figures above are not valid')
    process.exitCode = 1
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
