// The scale part of `npm run bench -- --users N` (or BENCH_USERS=N): a database with N users, each
// with a provisioned device and a downloaded batch, 10 × N audit rows (a tenth of them past the
// retention, so the server's start-up purge has work) and a queue with history, built in bulk
// through the project's own sealing and hashing code. Then, beside the small database's figures
// of the same run: start-up time, login and SecurityStrings throughput and p99, the longest
// pause in serving while the retention purge deletes, resident memory, and the size per user.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { loadConfig } from '../../dist/config.js'
import { addAgent } from '../../dist/domain/agents.js'
import { deriveOtc } from '../../dist/domain/otc.js'
import { hashProvisionId, newBatch, sealBatch } from '../../dist/domain/security-strings.js'
import { nameKey } from '../../dist/domain/user-names.js'
import { sealPin } from '../../dist/domain/users.js'
import { createLogger } from '../../dist/logging/logger.js'
import { openServices } from '../../dist/runtime.js'
import { randomHex } from '../../dist/secrets.js'
import { failures, measured, mean, rate, run, serveArgs, start, stop, warmupAndSlices } from './harness.mjs'

const secret = 'bench-agent-secret'
const pin = '2468'
const sampled = 400
const day = 86_400_000
const sas = (body) => `<SASRequest><Version>3.6</Version>${body}</SASRequest>`

/** The users wanted, from `--users N` after `npm run bench --` or BENCH_USERS; 0 when neither. */
export function scaleUsers(argv = process.argv, env = process.env) {
  const at = argv.indexOf('--users')
  const text = at === -1 ? env.BENCH_USERS : argv[at + 1]
  if (text === undefined || text === '') return 0
  if (!/^\d+$/.test(text)) throw new Error(`--users takes a number of users, not "${text}"`)
  return Number(text)
}

/**
 * Build the database: the schema and the agent through the server's own code, then the rows
 * with plain inserts in large transactions. Returns the workload of `sampled` users spread over
 * the whole range: their fresh one-time codes and their provision ids.
 */
async function build(file, users) {
  const services = await openServices(loadConfig({ db: file }, process.env), createLogger({ format: 'json', level: 'silent' }), {}, { create: true })
  await addAgent(services, { name: 'bench', secret, networks: ['127.0.0.1/32'] })
  await services.store.close()
  const db = new SQLite(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  const insert = {
    user: db.prepare("INSERT INTO users (id, name, name_key, pin, email, transport, mobile, created_at) VALUES (?, ?, ?, ?, ?, 'email', 1, ?)"),
    device: db.prepare("INSERT INTO devices (id, user_id, id_hash, device_os, created_at) VALUES (?, ?, ?, 'bench', ?)"),
    batch: db.prepare('INSERT INTO string_batches (id, device_id, strings, created_at) VALUES (?, ?, ?, ?)'),
    audit: db.prepare("INSERT INTO audit_log (time, event, message, user_name, actor, actor_type, source, outcome, node) VALUES (?, ?, ?, ?, 'bench', 'agent', '127.0.0.1', 'success', 'scale')"),
    message: db.prepare(
      "INSERT INTO messages (user_name, transport, destination, subject, body, status, attempts, next_attempt_at, created_at, sent_at) VALUES (?, 'email', ?, 'Your provision code', NULL, 'sent', 1, ?, ?, ?)",
    ),
  }
  const now = Date.now()
  const keep = Math.max(1, Math.floor(users / sampled))
  const sample = []
  const chunk = 20_000
  for (let first = 1; first <= users; first += chunk) {
    db.transaction(() => {
      for (let id = first; id < first + chunk && id <= users; id++) {
        const name = `scale-${id}`
        const created = now - 200 * day + id
        insert.user.run(id, name, nameKey(name), sealPin(services, name, pin), `${name}@example.com`, created)
        const provisionId = randomHex(16)
        insert.device.run(id, id, hashProvisionId(services, provisionId), created)
        const strings = newBatch('numbers')
        insert.batch.run(id, id, sealBatch(services, id, strings), created)
        if (id % keep === 0 && sample.length < sampled) sample.push({ name, provisionId, strings })
        if (id % 10 === 0) insert.message.run(name, `${name}@example.com`, created, created, created + 1000)
        // ten audit rows a user, over the last 100 days: the oldest tenth past the 90-day retention
        for (let n = 0; n < 10; n++) {
          const time = now - 100 * day + Math.floor(((id * 10 + n) / (users * 10)) * 100 * day)
          insert.audit.run(time, 'loginOk', `Login successful for user: ${name}.`, name, )
        }
      }
    })()
  }
  // on the disk, as a server's database is: synchronous=OFF left gigabytes of it to the kernel
  // to write back, whose flushing would slow every sync of the server that starts on it
  db.pragma('synchronous = NORMAL')
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  return sample
}

const workloadOf = (sample) => ({
  SecurityStrings: { path: '/proxy/AgentXML', bodies: sample.map(({ provisionId }) => sas(`<Action>SecurityStrings</Action><Id>${provisionId}</Id>`)), unique: false },
  login: {
    path: '/pinsafe/AgentXML',
    bodies: Array.from({ length: 99 }, (_, i) => i + 1).flatMap((index) =>
      sample.map(({ name, strings }) => sas(`<Secret>${secret}</Secret><Action>login</Action><Username>${name}</Username><OTC>${deriveOtc(strings[index], pin, index)}</OTC>`)),
    ),
    unique: true,
  },
})

/** From the kernel's accounting of the process: VmRSS now, VmHWM the peak, in MB. */
function memoryMb(child, field) {
  const line = readFileSync(`/proc/${child.pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`)) ?? ''
  return Math.round(Number(/(\d+) kB/.exec(line)?.[1] ?? 0) / 1024)
}

const sizeOf = (file) => ['', '-wal'].reduce((sum, suffix) => sum + (statSync(`${file}${suffix}`, { throwIfNoEntry: false })?.size ?? 0), 0)

/** `small`: the rows of the small database's run, whose login and SecurityStrings figures this one is held to. */
export async function scaleRun(dir, users, small, { rounds }) {
  const scaleDir = join(dir, 'scale')
  mkdirSync(scaleDir)
  const file = join(scaleDir, 'agentxml.db')
  process.stdout.write(`building a database of ${users} users, devices and batches, ${users * 10} audit rows...\n`)
  const began = Date.now()
  const sample = await build(file, users)
  const buildSeconds = (Date.now() - began) / 1000
  const bytes = sizeOf(file)

  // BENCH_COLD=1 (as root): the server starts as after a reboot, nothing of the file in memory
  const cold = process.env.BENCH_COLD === '1'
  if (cold) writeFileSync('/proc/sys/vm/drop_caches', '3\n')
  const startedAt = Date.now()
  const server = await start(scaleDir, 'agentxml-scale', [...serveArgs, '--port', '0', '--db', file], /agentxml listening on (http[^"\s]+)/, { AGENTXML_LOG_LEVEL: 'info' })
  const startupMs = Date.now() - startedAt
  // the start-up purge of the audit rows past the retention, in chunks, while one client pings
  const purgedRows = () => /Audit log: (\d+) entries older than/.exec(readFileSync(join(scaleDir, 'agentxml-scale.log'), 'utf8'))?.[1]
  const pings = []
  while (purgedRows() === undefined && pings.length < 60) pings.push(await run(server.url, '/proxy/AgentXML', [sas('<Action>ping</Action>')], { connections: 1, seconds: 2 }))
  const purged = purgedRows()
  const ping = { p99: Math.max(0, ...pings.map((r) => r.latency.p99)), max: Math.max(0, ...pings.map((r) => r.latency.max)), failures: failures(pings) }
  const workload = workloadOf(sample)
  const rows = []
  // login first: a download would replace the batches the codes come from
  for (const action of ['login', 'SecurityStrings']) {
    const { path, bodies, unique } = workload[action]
    const { warmup, amount, slices } = warmupAndSlices(bodies, unique, rounds)
    await run(server.url, path, warmup, { amount })
    const runs = []
    for (const slice of slices) {
      runs.push(await measured(server, path, slice, unique ? { amount: slice.length } : {}))
    }
    const rps = mean(runs, rate)
    const smallRps = small.find((row) => row.action === action)?.['req/s']
    rows.push({
      action,
      'req/s': Math.round(rps),
      'p99 ms': mean(runs, (r) => r.latency.p99),
      'CPU µs/req': Math.round(mean(runs, (r) => r.cpuPerRequest)),
      'small db req/s': smallRps ?? '-',
      'of small': smallRps ? Number((rps / smallRps).toFixed(2)) : '-',
      target: '≥ 0.9, p99 ≤ 10 ms',
      failures: failures(runs),
    })
  }
  const memory = { now: memoryMb(server.child, 'VmRSS'), peak: memoryMb(server.child, 'VmHWM'), anon: memoryMb(server.child, 'RssAnon'), file: memoryMb(server.child, 'RssFile') }
  await stop(server.child)
  console.log(`\nScale: ${users} users with devices and batches, ${users * 10} audit rows, ${users / 10} sent messages${cold ? '; the server started with nothing of the file in memory (BENCH_COLD=1)' : ''}`)
  console.log(`built in ${buildSeconds.toFixed(0)} s; ${(bytes / 1e9).toFixed(2)} GB, ${Math.round(bytes / users)} bytes a user`)
  console.log(`start-up ${startupMs} ms (target < 2000); resident memory ${memory.now} MB (${memory.anon} MB the process's own, ${memory.file} MB file pages mapped: the database's first 32 MiB and node's own binary), peak ${memory.peak} MB (target < 250)`)
  console.log(
    `retention purge at start-up: ${purged ? `${purged} rows deleted` : 'not finished within two minutes'}, ${pings.length * 2} s; a client's pings meanwhile: p99 ${ping.p99} ms, longest ${ping.max} ms (target: no pause over 50 ms)`,
  )
  console.table(rows)
  return [...rows, { action: 'ping during purge', failures: ping.failures }]
}
