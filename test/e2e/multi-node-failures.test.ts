// A node that dies or freezes: what it answered stays answered, and the other node goes on
// serving, also the user whose row the frozen node holds. PostgreSQL only.
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { sessionTimeouts } from '../../src/db/postgres/open.js'
import { setPolicy } from '../../src/domain/policy.js'
import { createProvisionCode } from '../../src/domain/provision-code.js'
import { addUser } from '../../src/domain/users.js'
import { addPortal, directServices, login, mobileUser, type Sql, skip, sqlOf, startNodes } from './helpers/nodes.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { downloadStrings, provision } from './helpers/protocol.js'
import type { ServerProcess } from './helpers/server.js'

t.setTimeout(600_000)

/** The indexes burnt of `user`'s current batch. */
async function burnt(sql: Sql, user: string): Promise<Set<number>> {
  const rows = await sql<{ idx: number }>(
    'SELECT idx FROM used_strings WHERE batch_id = (SELECT b.id FROM string_batches b JOIN devices d ON d.id = b.device_id JOIN users u ON u.id = d.user_id WHERE u.name = $1)',
    [user],
  )
  return new Set(rows.map((row) => row.idx))
}

t.test('kill -9 of one node under load: every PASS it gave is in the database, the other node serves on', { skip }, async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const sql = sqlOf(t, db)
  const services = await directServices(t, db)
  await addPortal(services)
  await setPolicy(services.db, 'provision-attempts-per-address', '0')
  const nodes = await startNodes(t, db, ['node-a', 'node-b'])
  const [a, b] = nodes as [ServerProcess, ServerProcess]
  const user = await mobileUser(services, b.url, 'busy')
  const codes = new Map<string, string>()
  for (let i = 0; i < 40; i++) {
    const name = `new${i}`
    await addUser(services, { name })
    codes.set(name, (await createProvisionCode(services, name, { deliver: false })).code)
  }

  // logins and provisions, alternating between the nodes, until node A is killed; then all to B
  let killed = false
  const logins: { index: number; node: string; result: string | undefined; afterKill: boolean }[] = []
  const provisions: { name: string; node: string; id: string | undefined; afterKill: boolean }[] = []
  const pick = (n: number) => (killed || n % 2 === 1 ? b : a)
  const loginQueue = Array.from({ length: 99 }, (_, i) => i + 1)
  const provisionQueue = [...codes.keys()]
  const loginLoop = async () => {
    for (let index = loginQueue.shift(); index !== undefined; index = loginQueue.shift()) {
      const node = pick(index)
      const afterKill = killed
      const reply = await login(node.url, user.name, user.otc(index)).catch(() => undefined)
      if (reply) logins.push({ index, node: node === a ? 'A' : 'B', result: reply.result, afterKill })
    }
  }
  const provisionLoop = async () => {
    for (let name = provisionQueue.shift(); name !== undefined; name = provisionQueue.shift()) {
      const node = pick(provisionQueue.length)
      const afterKill = killed
      const reply = await provision(node.url, name, codes.get(name) ?? '').catch(() => undefined)
      if (reply) provisions.push({ name, node: node === a ? 'A' : 'B', id: reply.result === 'PASS' ? reply.id : undefined, afterKill })
    }
  }
  const kill = (async () => {
    while (logins.length + provisions.length < 40) await sleep(5)
    killed = true
    t.equal((await a.stop('SIGKILL')).signal, 'SIGKILL', 'node A killed under load')
  })()
  await Promise.all([loginLoop(), loginLoop(), loginLoop(), provisionLoop(), provisionLoop(), kill])

  const fromA = logins.filter((l) => l.node === 'A' && l.result === 'PASS')
  t.ok(fromA.length > 5, `node A answered PASS to ${fromA.length} logins before it was killed`)
  const spent = await burnt(sql, user.name)
  t.same(logins.filter((l) => l.result === 'PASS' && !spent.has(l.index)), [], "every login PASS burnt its string, node A's too")
  t.same(logins.filter((l) => l.node === 'B' && l.result !== 'PASS'), [], 'node B answered PASS to every login, before and after the kill')
  t.ok(logins.filter((l) => l.afterKill).length > 10, 'and went on serving after it')
  const provisioned = provisions.filter((p) => p.id !== undefined)
  t.ok(provisioned.some((p) => p.node === 'A'), 'node A provisioned devices before it was killed')
  for (const p of provisioned) t.equal((await downloadStrings(b.url, p.id ?? '')).result, 'PASS', `${p.name} (PASS from ${p.node}): the device exists`)
  t.same(provisions.filter((p) => p.node === 'B' && p.id === undefined), [], 'node B answered PASS to every provision')
})

t.test("a node frozen (SIGSTOP) holding a user's row: the other node serves that user within the idle timeout plus a second", { skip }, async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const sql = sqlOf(t, db)
  const services = await directServices(t, db)
  await addPortal(services)
  const nodes = await startNodes(t, db, ['node-a', 'node-b'])
  const [a, b] = nodes as [ServerProcess, ServerProcess]
  const user = await mobileUser(services, a.url, 'frozen')
  const other = await mobileUser(services, b.url, 'bystander')
  const frozenHolds = async () => {
    // A session of A's left idle inside a transaction: it stopped between a unit's two round trips,
    // after the first, which locks the user's row (that lock, not any other transaction of A's).
    // Seen twice, unchanged, 300 ms apart: a second round trip that A had already written to the
    // socket before it stopped would still be read and run by its backend (and commit) meanwhile.
    const idle = () =>
      sql<{ pid: number; since: string }>(
        "SELECT pid, state_change::text AS since FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'agentxml node-a' AND state = 'idle in transaction' AND position($1 in query) > 0",
        [`FROM users WHERE name_key = '${user.name}' FOR UPDATE`],
      )
    for (let tries = 0; tries < 10; tries++) {
      const [seen] = await idle()
      if (seen) {
        await sleep(300)
        return (await idle()).some((again) => again.pid === seen.pid && again.since === seen.since)
      }
      await sleep(20)
    }
    return false
  }

  let index = 1
  let frozen: { index: number; stoppedAt: number; reply: Promise<unknown> } | undefined
  while (!frozen && index < 60) {
    const i = index++
    const reply = login(a.url, user.name, user.otc(i)).catch((err: Error) => ({ error: err.message }))
    await sleep(1 + Math.random() * 15)
    process.kill(a.pid, 'SIGSTOP')
    const stoppedAt = Date.now()
    if (await frozenHolds()) frozen = { index: i, stoppedAt, reply }
    else {
      process.kill(a.pid, 'SIGCONT')
      await reply
    }
  }
  if (!frozen) throw new Error(`node A was never stopped inside a unit in ${index - 1} tries`)
  t.pass(`node A stopped inside a login unit (try ${index - 1})`)

  const timed = async (work: () => Promise<{ result: string | undefined }>) => {
    const started = Date.now()
    const { result } = await work()
    return { result, at: Date.now(), took: Date.now() - started }
  }
  const [blocked, unrelated] = await Promise.all([
    timed(() => login(b.url, user.name, user.otc(90))),
    timed(() => login(b.url, other.name, other.otc(1))),
  ])
  t.equal(unrelated.result, 'PASS', 'another user on B is not held up')
  t.ok(unrelated.took < 2_000, `(${unrelated.took} ms)`)
  t.equal(blocked.result, 'PASS', 'B serves the frozen user')
  t.ok(blocked.took > 1_000, `after waiting for the row (${blocked.took} ms)`)
  const since = blocked.at - frozen.stoppedAt
  t.ok(since <= sessionTimeouts.idle + 1_000, `within the idle-in-transaction timeout plus a second of the freeze (${since} ms)`)

  process.kill(a.pid, 'SIGCONT')
  const late = (await frozen.reply) as { result?: string }
  t.equal(late.result, 'FAIL', 'the frozen login, whose transaction the server ended, is answered FAIL')
  t.notOk((await burnt(sql, user.name)).has(frozen.index), 'and burnt nothing')
  t.equal((await login(a.url, user.name, user.otc(91))).result, 'PASS', 'node A serves again after SIGCONT')
  t.equal((await login(b.url, user.name, user.otc(frozen.index))).result, 'PASS', 'the string of the rolled-back login still works')
})

// Known limit, kept visible: each of the frozen node's units that was already waiting in
// PostgreSQL for the user's row is granted it in turn, and holds it for another idle timeout.
t.test('a node frozen with several logins of one user in flight: the other node still serves that user within the idle timeout plus a second', { skip }, async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const sql = sqlOf(t, db)
  const services = await directServices(t, db)
  await addPortal(services)
  const [a, b] = (await startNodes(t, db, ['node-a', 'node-b'])) as [ServerProcess, ServerProcess]
  const user = await mobileUser(services, a.url, 'crowded')
  const sessionsOfA = async (where: string) =>
    (await sql(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'agentxml node-a' AND ${where}`)).length
  // frozen with one unit holding the row and at least one more waiting for it
  const crowded = async () => {
    for (let tries = 0; tries < 10; tries++) {
      if ((await sessionsOfA("state = 'idle in transaction'")) > 0 && (await sessionsOfA("wait_event_type = 'Lock'")) > 0) return true
      await sleep(20)
    }
    return false
  }
  let index = 1
  let stoppedAt: number | undefined
  let replies: Promise<unknown>[] = []
  while (stoppedAt === undefined && index < 80) {
    replies = Array.from({ length: 4 }, () => login(a.url, user.name, user.otc(index++)).catch(() => undefined))
    await sleep(5 + Math.random() * 20)
    process.kill(a.pid, 'SIGSTOP')
    if (await crowded()) stoppedAt = Date.now()
    else {
      process.kill(a.pid, 'SIGCONT')
      await Promise.all(replies)
    }
  }
  if (stoppedAt === undefined) throw new Error(`node A was never stopped with units queued on the row in ${index - 1} logins`)
  t.pass('node A froze with one unit holding the row and more waiting for it')
  const reply = await login(b.url, user.name, user.otc(90))
  const since = Date.now() - stoppedAt
  process.kill(a.pid, 'SIGCONT')
  await Promise.all(replies)
  const todo = "the frozen node's queued units hold the row one idle timeout each: B waits n × 5 s, or fails at its lock timeout"
  t.equal(reply.result, 'PASS', 'B serves the user', { todo })
  t.ok(since <= sessionTimeouts.idle + 1_000, `within the idle timeout plus a second (${since} ms)`, { todo })
})
