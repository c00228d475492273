// The PostgreSQL part of `npm run bench`: two agentxml nodes on one PostgreSQL server (a
// throwaway cluster with PostgreSQL's default durability, on this same machine), the load split
// between them as a load balancer would. Requests/s across both nodes and the p99 of each.
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { findPgBin, startCluster } from '../helpers/pg-cluster.mjs'
import { connections, failures, mean, rate, rounds, run, serveArgs, slices, start, stop, warmupAndSlices } from './harness.mjs'
import { seed } from './seed.mjs'

const targets = { provision: undefined, SecurityStrings: 1000, login: 1000 }
const p99Target = 50

export async function postgresRun(dir) {
  if (!findPgBin()) {
    console.log('\nPostgreSQL run skipped: no PostgreSQL server programs (apt-get install postgresql)')
    return []
  }
  const cluster = await startCluster({ durable: true })
  try {
    const admin = new pg.Client({ connectionString: cluster.url })
    await admin.connect()
    await admin.query('CREATE DATABASE bench')
    await admin.end()
    const url = cluster.url.replace(/\/postgres$/, '/bench')
    const keyFile = join(dir, 'pg.key')
    writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 })
    const env = { AGENTXML_KEY_FILE: keyFile, AGENTXML_LOG_LEVEL: 'info' }
    process.stdout.write('seeding the PostgreSQL database...\n')
    const workload = await seed(url, env, { provisions: Number(process.env.BENCH_PG_PROVISIONS ?? 8000) })
    const nodes = []
    for (const name of ['node-a', 'node-b']) {
      const args = [...serveArgs, '--port', '0', '--db', url, '--node-name', name, '--outbox', join(dir, `${name}-outbox.jsonl`)]
      nodes.push(await start(dir, name, args, /agentxml listening on (http[^"\s]+)/, env))
    }
    const rows = []
    for (const action of ['provision', 'SecurityStrings', 'login']) {
      const { path, bodies, unique } = workload[action]
      const { warmup, amount, slices: runsOf } = warmupAndSlices(bodies, unique, rounds)
      // half the connections to each node at once; single-use bodies split between them
      const perNode = (some) => (unique ? slices(some, 2) : [some, some])
      const warmHalves = perNode(warmup)
      await Promise.all(nodes.map((node, n) => run(node.url, path, warmHalves[n], { amount: unique ? warmHalves[n].length : amount / 2, connections: connections / 2 })))
      const runs = []
      for (const slice of runsOf) {
        const halves = perNode(slice)
        const both = await Promise.all(nodes.map((node, n) => run(node.url, path, halves[n], unique ? { amount: halves[n].length, connections: connections / 2 } : { connections: connections / 2 })))
        runs.push(both)
      }
      const total = mean(runs, (both) => rate(both[0]) + rate(both[1]))
      const p99 = mean(runs, (both) => Math.max(both[0].latency.p99, both[1].latency.p99))
      rows.push({
        action,
        'req/s, both nodes': Math.round(total),
        'p99 ms (worse node)': p99,
        'target req/s': targets[action] ?? '-',
        'target p99 ms': p99Target,
        failures: failures(runs.flat()),
      })
    }
    for (const node of nodes) await stop(node.child)
    console.log(`\nPostgreSQL: two nodes, ${connections} connections in all (${connections / 2} to each), ${rounds} runs of each action`)
    console.table(rows)
    return rows
  } finally {
    cluster.remove()
  }
}
