// A PostgreSQL connection that the server ends (a restart, a failover, pg_terminate_backend) is
// one short log line, not the pg client's internals. PostgreSQL only.
import t from 'tap'
import { addPortal, directServices, eventually, login, mobileUser, skip, sqlOf, startNodes } from './helpers/nodes.js'
import { databaseIn, tempDir } from './helpers/paths.js'

t.setTimeout(300_000)

t.test('each connection the database ends is one short warning line, and the server goes on', { skip }, async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const sql = sqlOf(t, db)
  const services = await directServices(t, db)
  await addPortal(services)
  const [server] = await startNodes(t, db, ['node-a'])
  if (!server) throw new Error('a node')
  const user = await mobileUser(services, server.url, 'carol')
  // several logins at once: the pool holds a few idle connections
  await Promise.all([1, 2, 3].map((n) => login(server.url, user.name, user.wrongOtc(n))))
  const backends = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'agentxml node-a%'"
  await eventually('the node listens for settings', async () => (await sql(backends)).length >= 2)
  const before = server.stdout.length
  const killed = await sql<{ ok: boolean }>(`SELECT pg_terminate_backend(pid) AS ok FROM (${backends}) AS node`)
  t.ok(killed.length >= 2, `${killed.length} connections of the node terminated`)
  await eventually('the node listens again', async () => (await sql(backends)).length >= 1)
  t.equal((await login(server.url, user.name, user.wrongOtc(4))).error, undefined, 'the next login is answered (a plain FAIL, a wrong code)')
  const lost = server.records().filter((r) => r.msg.startsWith('database connection error'))
  t.ok(lost.length >= 2, `${lost.length} lines for ${killed.length} connections`)
  for (const record of lost) {
    t.equal(record.msg, 'database connection error: terminating connection due to administrator command (57P01)')
    t.same(Object.keys(record).sort(), ['errorCode', 'level', 'msg', 'reason', 'time'], 'the code and message, nothing of the client')
    t.equal(record.level, 40)
  }
  const after = server.stdout.slice(before).concat(server.stderr)
  t.ok(after.every((line) => line.length < 300), `every line since is short (longest ${Math.max(...after.map((line) => line.length))} characters)`)
  t.notMatch(after.join('\n'), /\bat \S+ \(|_events|connectionParameters/, 'no stack, no client object')
})
