// `node test/bench/compare.mjs ACTION OTHER_ROOT`: this build against another one (an older
// checkout, built, with its node_modules), each on its own copy of one seeded database, taking
// turns `BENCH_ROUNDS` (8) times, in the opposite order every other round so that a drift of the
// machine's speed falls on both. Prints each server's CPU time per request in every round, the
// means and their ratio: a change of a few per cent is lost in the noise of a single pair of runs.
// ACTION is one of the bench's AgentXML workloads (ping, provision, SecurityStrings, login); BENCH_LOGIN_USERS
// (1 000, half of them for login) and BENCH_PROVISIONS (50 000) size the single-use ones, whose codes are
// split between the rounds.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { failures, measured, mean, rate, root, run, serveArgs, start, stop, warmupAndSlices } from './harness.mjs'
import { seed } from './seed.mjs'

const [action, other] = process.argv.slice(2)
if (!action || !other) {
  console.error('usage: node test/bench/compare.mjs ACTION OTHER_ROOT')
  process.exit(2)
}
const rounds = Number(process.env.BENCH_ROUNDS ?? 8)
const dir = mkdtempSync(join(tmpdir(), 'agentxml-compare-'))
try {
  process.stdout.write('seeding the database...\n')
  const workload = (await seed(join(dir, 'agentxml.db')))[action]
  if (!workload?.path) throw new Error(`no AgentXML workload "${action}"`)
  const builds = { this: root, other: resolve(other) }
  const servers = {}
  for (const [name, build] of Object.entries(builds)) {
    const own = join(dir, name)
    mkdirSync(own)
    for (const file of ['agentxml.db', 'agentxml.key']) copyFileSync(join(dir, file), join(own, file))
    const args = [serveArgs[0], join(build, serveArgs[1]), ...serveArgs.slice(2), '--port', '0', '--db', join(own, 'agentxml.db')]
    servers[name] = await start(own, name, args, /agentxml listening on (http[^"\s]+)/, { AGENTXML_LOG_LEVEL: 'info' })
  }
  const { path, bodies, unique } = workload
  const { warmup, amount, slices } = warmupAndSlices(bodies, unique, rounds)
  for (const server of Object.values(servers)) await run(server.url, path, warmup, { amount })
  const results = { this: [], other: [] }
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 ? ['other', 'this'] : ['this', 'other']) {
      results[name].push(await measured(servers[name], path, slices[round], unique ? { amount: slices[round].length } : {}))
    }
  }
  for (const server of Object.values(servers)) await stop(server.child)
  const cpu = (name) => mean(results[name], (r) => r.cpuPerRequest)
  for (const name of ['this', 'other']) {
    const each = results[name].map((r) => Math.round(r.cpuPerRequest)).join(' ')
    console.log(`${name.padEnd(5)} ${action}: ${Math.round(mean(results[name], rate))} req/s, CPU µs/req ${each}, mean ${Math.round(cpu(name))}`)
  }
  console.log(`this / other, CPU per request: ${(cpu('this') / cpu('other')).toFixed(3)}`)
  if (failures([...results.this, ...results.other]) > 0) {
    console.error('some replies were not PASS: the figures above are not valid')
    process.exitCode = 1
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
