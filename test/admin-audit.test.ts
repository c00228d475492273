import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import t from 'tap'
import { startAuditLog } from '../src/audit-log.js'
import { type Db, type NewAuditEntry, openDatabase } from '../src/db/index.js'
import type { Services } from '../src/domain/services.js'
import { setAuditRetentionDays } from '../src/domain/audit-retention.js'
import { auditEntryOf, nextPurgeChunk, purgeAudit, purgeChunks } from '../src/domain/audit.js'
import { createAuditRelay } from '../src/logging/audit.js'
import { createLogger } from '../src/logging/logger.js'
import { adminAgentSecret, seedAdminWorld } from './helpers/admin-seed.js'
import { build, element, post, sasRequest, testKey } from './helpers/build.js'
import { openTestDatabase } from './helpers/database.js'
import { agentSecret, seedAgent, seedCode, seedUser } from './helpers/seed.js'

// scrypt and child processes are slow on a busy machine: more than tap's default per file
t.setTimeout(600_000)

const auditRows = async (services: { db: Db; flushAudit?: () => Promise<void> }) => {
  // records are written once per event-loop turn: what was logged so far first
  await services.flushAudit?.()
  return services.db.selectFrom('audit_log').selectAll().orderBy('id').execute()
}

const entry = (time: number, event: string): NewAuditEntry => ({ time, event, message: 'm', outcome: 'success' })

/** Just enough services for the audit log alone. */
const servicesOf = (db: Db, store: Services['store'], log: Services['log'], now: () => number): Services => ({
  db,
  store,
  log,
  now,
  keys: { hash: testKey, encrypt: testKey },
})

t.test('a provision through AgentXML becomes an audit row: time, event, legacy text, user, address, outcome', async (t) => {
  const { app, services, clock } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedCode(services, 'alice', 'K7QF2M9XWD')
  clock.advance(5_000)
  const reply = await post(
    app,
    sasRequest('<Action>provision</Action><Username>alice</Username><ProvisionCode>K7QF2M9XWD</ProvisionCode>'),
    '/proxy/AgentXML',
    { remoteAddress: '198.51.100.7' },
  )
  const id = element(reply.body, 'Id') ?? ''
  t.match(id, /^[0-9a-f]{32}$/)
  const rows = await auditRows(services)
  const row = rows.find((r) => r.event === 'provisioned')
  t.same(
    { ...row, id: undefined },
    {
      id: undefined,
      time: Date.parse('2026-11-28T12:00:05Z'),
      event: 'provisioned',
      message: 'User "alice" provisioned successfully',
      user_name: 'alice',
      actor: null,
      actor_type: null,
      source: '198.51.100.7',
      outcome: 'success',
      detail: null,
      node: 'test-node',
    },
    'the row names the node that wrote it',
  )
  const again = await post(app, sasRequest('<Action>provision</Action><Username>alice</Username><ProvisionCode>K7QF2M9XWD</ProvisionCode>'), '/proxy/AgentXML')
  t.equal(element(again.body, 'Error'), 'PROVISION_FAILURE')
  const failed = (await auditRows(services)).find((r) => r.event === 'provisionFailed')
  t.equal(failed?.outcome, 'failure')
  t.equal(failed?.detail, 'no pending code', 'the reason the client never sees')
  t.notMatch(JSON.stringify(await auditRows(services)), 'K7QF2M9XWD', 'no provision code in the audit log')
  t.notMatch(JSON.stringify(await auditRows(services)), id, 'no provision id')
})

t.test('agent actions record the agent; refusals record the address', async (t) => {
  const { app, services } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedAgent(services)
  await post(app, sasRequest(`<Secret>${agentSecret}</Secret><Action>reprovision</Action><Username>alice</Username>`))
  await post(app, sasRequest('<Secret>wrong-secret-99</Secret><Action>reprovision</Action><Username>alice</Username>'), '/pinsafe/AgentXML', {
    remoteAddress: '203.0.113.9',
  })
  const rows = await auditRows(services)
  t.same(
    rows.map((r) => [r.event, r.user_name, r.actor, r.actor_type, r.outcome]),
    [
      ['codeCreated', 'alice', 'test-agent', 'agent', 'success'],
      ['messageQueued', 'alice', 'test-agent', 'agent', 'success'],
      ['canReprovision', 'alice', 'test-agent', 'agent', 'success'],
      ['agentRefused', null, null, null, 'failure'],
    ],
  )
  t.equal(rows.at(-1)?.source, '203.0.113.9')
  t.equal(rows.at(-1)?.message, 'AgentXML request failed, error: The agent is not authorised to access the server.')
  t.notMatch(JSON.stringify(rows), /agent-secret-123|wrong-secret-99/, 'no agent secret')
})

t.test('AdminXML operations are audited with the admin agent as actor', async (t) => {
  const { app, services } = await build(t)
  await seedAdminWorld(services)
  await post(app, `<AdminRequest secret="${adminAgentSecret}" version="3.6"><Create><User name="bob"><PIN>4821</PIN></User></Create><Delete><User name="zed"/></Delete></AdminRequest>`, '/pinsafe/AdminXML')
  const rows = await auditRows(services)
  t.same(rows.map((r) => [r.event, r.user_name, r.actor, r.outcome]), [
    ['userAdded', 'bob', 'portal', 'success'],
    ['adminOperationFailed', 'zed', 'portal', 'failure'],
  ])
  t.notMatch(JSON.stringify(rows), '4821', 'no PIN')
})

t.test('only the named fields are kept, and the outcome follows the level or the record', (t) => {
  const record = { level: 30, event: 'loginFailed', msg: 'Login failed for user: bob, error: wrong code', user: 'bob', ip: '10.0.0.1', otc: '1234', strings: 'x' }
  const entry = auditEntryOf(record, 1)
  t.equal(entry?.outcome, 'failure', 'a failure event even at info level')
  t.notMatch(JSON.stringify(entry), '1234')
  t.equal(auditEntryOf({ level: 40, event: 'somethingNew', msg: 'm' }, 1)?.outcome, 'failure', 'warnings are failures')
  t.equal(auditEntryOf({ level: 30, event: 'somethingNew', msg: 'm' }, 1)?.outcome, 'success')
  t.equal(auditEntryOf({ level: 50, event: 'x', msg: 'm', outcome: 'success' }, 1)?.outcome, 'success', 'an explicit outcome wins')
  t.equal(auditEntryOf({ level: 30, msg: 'no event' }, 1), undefined)
  t.equal(auditEntryOf({ level: 30, event: 'userAdded', msg: 'm', admin: 'root' }, 1)?.actor_type, 'admin')
  t.end()
})

t.test('a failing audit write never breaks the request and never loses the log line', async (t) => {
  const { app, services, lines } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedCode(services, 'alice', 'K7QF2M9XWD')
  await sql`DROP TABLE audit_log`.execute(services.db)
  const reply = await post(app, sasRequest('<Action>provision</Action><Username>alice</Username><ProvisionCode>K7QF2M9XWD</ProvisionCode>'))
  t.equal(element(reply.body, 'Result'), 'PASS')
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.ok(lines.some((l) => l.includes('User \\"alice\\" provisioned successfully')), 'the log line is there')
  t.ok(lines.some((l) => l.includes('audit log write failed') && /no such table|does not exist/.test(l)), 'and the failure is reported')
  t.notOk(lines.some((l) => l.includes('audit log write failed') && l.includes('"event"')), 'the report is not itself an event')
})

t.test('records logged before the database opens are written once it does; none after stop', async (t) => {
  const { db, store } = await openTestDatabase()
  t.teardown(() => store.close())
  const relay = createAuditRelay()
  const written: string[] = []
  const log = createLogger({ format: 'pinsafe', level: 'info', audit: relay, destination: { write: (line: string) => void written.push(line) } })
  log.info({ user: 'early', event: 'userAdded' }, 'User "early" added')
  const auditLog = startAuditLog(servicesOf(db, store, log, () => 42), relay, { purge: false })
  log.info({ user: 'later', event: 'userAdded' }, 'User "later" added')
  log.info({ user: 'plain' }, 'no event: not audited')
  await auditLog.stop()
  log.info({ user: 'late', event: 'userAdded' }, 'after stop')
  const rows = await db.selectFrom('audit_log').select(['user_name', 'time']).execute()
  t.same(rows, [
    { user_name: 'early', time: 42 },
    { user_name: 'later', time: 42 },
  ])
  t.equal(written.length, 4, 'every line still reached the PINsafe-format log')
  t.match(written[0], /PINsafe\[main\]: INFO - User "early" added/)
})

t.test('entries older than the retention are purged (default 90 days)', async (t) => {
  const { services, clock } = await build(t)
  const day = 86_400_000
  const now = clock.now()
  for (const age of [200, 91, 89, 31, 29, 0]) {
    await services.store.insertAudit([entry(now - age * day, `age${age}`)])
  }
  t.equal(await purgeAudit(services), 2)
  t.same((await auditRows(services)).map((r) => r.event), ['age89', 'age31', 'age29', 'age0'])
  await setAuditRetentionDays(services.db, '30')
  t.equal(await purgeAudit(services), 2)
  t.same((await auditRows(services)).map((r) => r.event), ['age29', 'age0'])
  await t.rejects(setAuditRetentionDays(services.db, '0'), { message: 'Keep log entries for (days) must be 1-3650, not "0"' })
})

t.test('the purge goes chunk after chunk, each sized by how long the last took', async (t) => {
  const { services, clock } = await build(t)
  const now = clock.now()
  const old = purgeChunks.first * 3 + 7
  await services.store.insertAudit(Array.from({ length: old }, (_, i) => entry(now - 100 * 86_400_000 + i, 'old')))
  await services.store.insertAudit([entry(now, 'new')])
  t.equal(await purgeAudit(services), old, 'every old row, over several chunks')
  t.same((await auditRows(services)).map((r) => r.event), ['new'])

  t.equal(nextPurgeChunk(200, 1), 400, 'a quick chunk: twice as many next')
  t.equal(nextPurgeChunk(200, purgeChunks.targetMs), 200, 'on target: as many')
  t.equal(nextPurgeChunk(200, 3 * purgeChunks.targetMs), 100, 'a slow one: half')
  t.equal(nextPurgeChunk(purgeChunks.max, 0), purgeChunks.max, 'never more than the most')
  t.equal(nextPurgeChunk(purgeChunks.min, 1000), purgeChunks.min, 'never fewer than the least')
})

t.test('the server purges on start', async (t) => {
  const { db, store } = await openTestDatabase()
  t.teardown(() => store.close())
  const now = Date.parse('2026-11-28T12:00:00Z')
  await store.insertAudit([entry(now - 100 * 86_400_000, 'old')])
  await store.insertAudit([entry(now, 'new')])
  const log = createLogger({ format: 'json', level: 'info', destination: { write: () => {} } })
  const auditLog = startAuditLog(servicesOf(db, store, log, () => now), createAuditRelay(), { purge: true })
  // the purge runs in the background: wait for it (a loaded machine may take more than a moment), then stop
  const events = async () => (await db.selectFrom('audit_log').select('event').execute()).map((r) => r.event)
  for (let waited = 0; waited < 10_000 && (await events()).includes('old'); waited += 25) await new Promise((resolve) => setTimeout(resolve, 25))
  await auditLog.stop()
  t.same(await events(), ['new'])
})

t.test('agentxml commands write the audit log too', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-audit-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const dbFile = join(dir, 'agentxml.db')
  const run = (...args: string[]) => spawnSync(process.execPath, ['dist/cli/index.js', ...args, '--db', dbFile], { encoding: 'utf8', input: 'a long enough password\n' })
  for (const args of [['init'], ['user', 'add', 'alice', '--pin', '2468', '--email', 'alice@example.com', '--transport', 'outbox']]) {
    const result = run(...args)
    t.equal(result.status, 0, result.stderr)
  }
  const reprovision = run('reprovision', 'alice')
  t.equal(reprovision.status, 0, reprovision.stderr)
  const admin = run('admin', 'add', 'root')
  t.equal(admin.status, 0, admin.stderr)
  const { db, store } = await openDatabase(dbFile)
  t.teardown(() => store.close())
  const rows = await db.selectFrom('audit_log').select(['event', 'user_name', 'outcome']).orderBy('id').execute()
  t.same(rows.map((r) => r.event), ['userAdded', 'codeCreated', 'messageQueued', 'canReprovision', 'messageSent', 'adminAdded'])
})
