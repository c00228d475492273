// `npm run bench`: agentxml, a bare fastify + fast-xml-parser server and the floor server, side
// by side in one run, driven by autocannon. Prints requests/s, p99 latency and the servers' CPU
// time per request for each action, and the ratios to the bare server and to the floor; then
// RADIUS PAP logins on the same agentxml process and database, taking turns with AgentXML login.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connections, duration, failures, mean, measured, rate, rounds, run, serveArgs, start, stop, warmupAndSlices } from './harness.mjs'
import { postgresRun } from './postgres.mjs'
import { freeRadiusPort, radiusFailures, radiusMeasured } from './radius-load.mjs'
import { scaleRun, scaleUsers } from './scale.mjs'
import { nasSecret, seed } from './seed.mjs'

/** Issue #13's targets: ping against the bare server, the writing actions against the floor. */
const targets = { ping: { bare: 0.9 }, provision: { floor: 0.9 }, SecurityStrings: { floor: 0.9 }, login: { floor: 0.9 } }
const p99Target = 10
/** Issue #24's: RADIUS PAP against AgentXML login, throughput and CPU per request. */
const radiusTarget = 0.9

// checked before anything runs: a mistyped --users must not cost a whole run
const users = scaleUsers()
const only = process.env.BENCH_ACTIONS?.split(',')
const radiusWanted = !only || only.includes('radius')
const dir = mkdtempSync(join(tmpdir(), 'agentxml-bench-'))
const db = join(dir, 'agentxml.db')
try {
  process.stdout.write('seeding the database...\n')
  const workload = await seed(db)
  // the floor gets a copy of the seeded database: its single-use codes are its own to spend
  const floorDir = join(dir, 'floor')
  mkdirSync(floorDir)
  for (const name of ['agentxml.db', 'agentxml.key']) copyFileSync(join(dir, name), join(floorDir, name))
  const nas = radiusWanted ? { host: '127.0.0.1', port: await freeRadiusPort() } : undefined
  const radiusArgs = nas ? ['--radius', `${nas.host}:${nas.port}`] : []
  const ours = await start(dir, 'agentxml', [...serveArgs, '--port', '0', '--db', db, ...radiusArgs], /agentxml listening on (http[^"\s]+)/, { AGENTXML_LOG_LEVEL: 'info' })
  const bare = await start(dir, 'bare', ['test/bench/bare-server.mjs'], /bare listening on (http\S+)/)
  // the least each writing action can cost (floor-server.mjs), measured beside the other two
  const floor = await start(dir, 'floor', ['test/bench/floor-server.mjs', join(floorDir, 'agentxml.db')], /floor listening on (http\S+)/)
  const rows = []
  // RADIUS PAP: its own half of the login users' codes, each sent once; a run after each of login's
  const radius = nas && { ...warmupAndSlices(workload.radius.codes, true, rounds), runs: [] }
  const radiusRun = (codes) => radiusMeasured(ours, nas, codes, { secret: nasSecret, inFlight: connections })
  let loginRuns = []
  for (const [action, { path, bodies, unique }] of Object.entries(workload)) {
    if (action === 'radius' || (only && !only.includes(action))) continue
    const floored = targets[action]?.floor !== undefined
    // the servers warm up first; then they take turns, `rounds` runs each, and the means are compared.
    // Single-use bodies (provision codes, one-time codes) are split between the runs so that each
    // is sent once to agentxml and once to the floor; the bare server, which checks nothing, gets
    // the same bodies for the full time.
    const { warmup, amount, slices } = warmupAndSlices(bodies, unique, rounds)
    await run(bare.url, path, warmup, { amount })
    await run(ours.url, path, warmup, { amount })
    if (floored) await run(floor.url, path, warmup, { amount })
    const beside = action === 'login' && radius
    if (beside) await radiusRun(radius.warmup)
    const reference = []
    const mine = []
    const least = []
    for (const [n, slice] of slices.entries()) {
      const once = unique ? { amount: slice.length } : {}
      reference.push(await measured(bare, path, slice, {}))
      // RADIUS before login every other round: what one run leaves behind on the server (its WAL
      // to checkpoint, its garbage) falls on each in turn
      if (beside && n % 2) radius.runs.push(await radiusRun(radius.slices[n]))
      mine.push(await measured(ours, path, slice, once))
      if (floored) least.push(await measured(floor, path, slice, once))
      if (beside && n % 2 === 0) radius.runs.push(await radiusRun(radius.slices[n]))
    }
    if (action === 'login') loginRuns = mine
    const [oursRps, bareRps, floorRps] = [mine, reference, least].map((runs) => (runs.length ? mean(runs, rate) : undefined))
    const cpu = (runs) => (runs.length ? Math.round(mean(runs, (r) => r.cpuPerRequest)) : '-')
    const target = targets[action] ?? {}
    rows.push({
      action,
      'req/s': Math.round(oursRps),
      'p99 ms': mean(mine, (r) => r.latency.p99),
      'CPU µs/req': cpu(mine),
      'bare req/s': Math.round(bareRps),
      'floor req/s': floorRps ? Math.round(floorRps) : '-',
      'floor p99 ms': least.length ? mean(least, (r) => r.latency.p99) : '-',
      'floor CPU µs/req': cpu(least),
      '/bare': Number((oursRps / bareRps).toFixed(2)),
      '/floor': floorRps ? Number((oursRps / floorRps).toFixed(2)) : '-',
      'CPU /floor': least.length ? Number((mean(least, (r) => r.cpuPerRequest) / mean(mine, (r) => r.cpuPerRequest)).toFixed(2)) : '-',
      target: target.floor ? `${target.floor} of floor` : `${target.bare} of bare`,
      // the floor's replies must say PASS as well, or its figure means nothing
      failures: failures([...mine, ...least]),
    })
  }
  // RADIUS alone (BENCH_ACTIONS=radius): no login to take turns with
  if (radius && !radius.runs.length) {
    await radiusRun(radius.warmup)
    for (const slice of radius.slices) radius.runs.push(await radiusRun(slice))
  }
  await stop(ours.child)
  await stop(bare.child)
  await stop(floor.child)
  console.log(`\n${connections} connections, ${rounds} runs each of ${duration} s, taking turns (single-use workloads: each code sent once to each server)`)
  console.table(rows)
  console.log('floor: floor-server.mjs, only the work each writing action cannot skip; /floor is agentxml over it (throughput),')
  console.log(`CPU /floor the floor's CPU per request over agentxml's (1 = as little as the floor); p99 target ${p99Target} ms`)
  const radiusRows = radius ? radiusTable(radius.runs, loginRuns) : []
  const postgres = process.env.BENCH_POSTGRES === '0' ? [] : await postgresRun(dir)
  const scale = users > 0 ? await scaleRun(dir, users, rows, { rounds }) : []
  if ([...rows, ...radiusRows, ...postgres, ...scale].some((row) => row.failures > 0)) {
    console.error('some replies were not PASS (or not one Access-Accept each): the figures above are not valid')
    process.exitCode = 1
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

/** RADIUS PAP beside AgentXML login, on one server process: the figures, the ratios and the failures. */
function radiusTable(runs, loginRuns) {
  const figures = (results) => ({
    'req/s': Math.round(mean(results, rate)),
    'p50 ms': mean(results, (r) => r.latency.p50),
    'p99 ms': mean(results, (r) => r.latency.p99),
    'CPU µs/req': Math.round(mean(results, (r) => r.cpuPerRequest)),
  })
  const ratio = (value) => (loginRuns.length ? Number(value.toFixed(2)) : '-')
  const count = (pick) => runs.reduce((sum, r) => sum + pick(r), 0)
  const rows = [
    ...(loginRuns.length ? [{ 'front end': 'AgentXML login', ...figures(loginRuns), '/login': '-', 'CPU /login': '-', failures: failures(loginRuns) }] : []),
    {
      'front end': 'RADIUS PAP',
      ...figures(runs),
      '/login': ratio(mean(runs, rate) / mean(loginRuns, rate)),
      'CPU /login': ratio(mean(loginRuns, (r) => r.cpuPerRequest) / mean(runs, (r) => r.cpuPerRequest)),
      failures: radiusFailures(runs),
    },
  ]
  const beside = loginRuns.length ? ' and AgentXML login, the same server and database, taking turns' : ''
  console.log(`\nRADIUS PAP (${connections} requests in flight over UDP, one code each)${beside}`)
  console.table(rows)
  console.log(`RADIUS targets: ${radiusTarget} of login's throughput (/login) and CPU per request (CPU /login, login's over RADIUS's), p99 ${p99Target} ms`)
  console.log(
    `RADIUS replies: ${count((r) => r.accepts)} Access-Accept, ${count((r) => r.rejects)} Access-Reject, ${count((r) => r.lost)} lost (no reply in 2 s), ` +
      `${count((r) => r.duplicates)} second replies, ${count((r) => r.invalid)} that do not verify`,
  )
  return rows
}
