// `agentxml db copy`: a SQLite database in use moves to PostgreSQL, and the server on the copy
// carries on where the old one stopped: the same device, the same batch, the queue, the audit
// history, fresh ids for new rows. Needs both engines at once: runs in the PostgreSQL pass.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type Kysely, sql } from 'kysely'
import t from 'tap'
import { copiedTables, copyDatabase } from '../src/db/copy.js'
import { type Db, openDatabase } from '../src/db/index.js'
import { deriveOtc } from '../src/domain/otc.js'
import { mustRun, runCli } from './e2e/helpers/cli.js'
import { postXml } from './e2e/helpers/http.js'
import { tempDir } from './e2e/helpers/paths.js'
import { downloadStrings, printedCode, provision } from './e2e/helpers/protocol.js'
import { startServer } from './e2e/helpers/server.js'
import { element, outcome, reprovisionXml, sasRequest } from './e2e/helpers/xml.js'
import { dropDatabaseTarget, emptyPostgresTarget, freshDatabaseTarget, testEngine } from './helpers/database.js'

t.setTimeout(300_000)

const skip = testEngine !== 'postgres' && 'needs PostgreSQL beside SQLite: runs in the PostgreSQL pass'
const secret = 'portal-secret-42'
const tables = [...copiedTables.map((table) => table.name), 'meta']

const loginXml = (user: string, otc: string) =>
  sasRequest(`<Secret>${secret}</Secret><RequestID>1</RequestID><Action>login</Action><Username>${user}</Username><OTC>${otc}</OTC>`)
const login = async (url: string, user: string, otc: string) => element((await postXml(url, loginXml(user, otc))).body, 'Result')

/** Every row of every table, in key order: what a copy must carry over unchanged. */
async function contents(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {}
  const loose = db as unknown as Kysely<Record<string, Record<string, unknown>>>
  for (const table of [...copiedTables, { name: 'meta', key: ['key'] }]) {
    let query = loose.selectFrom(table.name).selectAll()
    for (const column of table.key) query = query.orderBy(column)
    out[table.name] = await query.execute()
  }
  return out
}

async function openPair(t: Tap, sqliteFile: string, pgUrl: string) {
  const [sqlite, postgres] = [await openDatabase(sqliteFile), await openDatabase(pgUrl)]
  t.teardown(() => Promise.all([sqlite.store.close(), postgres.store.close()]))
  return { sqlite: sqlite.db, postgres: postgres.db }
}
type Tap = { teardown(fn: () => unknown): void }

async function pgTarget(t: Tap): Promise<string> {
  const url = await freshDatabaseTarget()
  t.teardown(() => dropDatabaseTarget(url))
  return url
}

t.test('a SQLite database in use, copied to PostgreSQL: the server on the copy carries on', { skip }, async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 'agentxml.db')
  const keyFile = join(dir, 'agentxml.key')
  const cli = (args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) => mustRun(args, { db: file, ...options })
  const nasSecret = { AGENTXML_NAS_SECRET: 'vpn-shared-secret-0001' }

  // a SQLite server in use, driven through the protocol
  const old = await startServer(t, { db: file })
  await cli(['agent', 'add', 'portal', '--secret', secret])
  await cli(['user', 'add', 'alice', '--pin', '2468'])
  await cli(['user', 'add', 'carol', '--pin', '2468', '--email', 'carol@example.com', '--transport', 'outbox'])
  await cli(['user', 'add', 'bob', '--pin', '2468', '--email', 'bob@example.com', '--transport', 'email'])
  const provisioned = await provision(old.url, 'alice', printedCode((await cli(['reprovision', 'alice', '--print-code'])).stdoutLines))
  t.equal(provisioned.result, 'PASS', 'alice provisioned on SQLite')
  const id = provisioned.id ?? ''
  const { fields } = await downloadStrings(old.url, id)
  t.equal(fields.length, 100, 'and downloaded her strings')
  const otc = (index: number) => deriveOtc(fields[index] ?? '', '2468', index)
  t.equal(await login(old.url, 'alice', otc(1)), 'PASS', 'string 1 burnt on SQLite')
  t.equal(outcome((await postXml(old.url, reprovisionXml(secret, 'carol'))).body).result, 'PASS', 'a message for carol')
  await old.waitForRecord((r) => r.event === 'messageSent' && r.user === 'carol', 30_000)
  await old.stop('SIGTERM')
  // the shared SMTP server is down: bob's message stays queued, and the setting is copied too
  await cli(['settings', 'set', 'smtp-url', 'smtp://127.0.0.1:9'])
  await cli(['settings', 'set', 'smtp-from', 'noreply@example.com'])
  await cli(['reprovision', 'bob'])
  await cli(['policy', 'set', 'max-login-tries', '7'])
  await cli(['admin', 'add', 'root'], { input: 'correct horse battery staple 9\n' })
  await cli(['nas', 'add', 'vpn', '--network', '192.0.2.0/24'], { env: nasSecret })

  const url = await pgTarget(t)
  const copy = await runCli(['db', 'copy', '--from', file, '--to', url])
  t.equal(copy.status, 0, `db copy succeeded ${copy.stderr}`)
  const { sqlite, postgres } = await openPair(t, file, url)
  const [source, target] = [await contents(sqlite), await contents(postgres)]
  for (const table of tables) t.same(target[table], source[table], `${table}: every row, ids kept (${source[table]?.length})`)
  t.ok((source.audit_log?.length ?? 0) > 10 && source.messages?.length === 2 && source.used_strings?.length === 1 && source.nas_clients?.length === 1, 'there was something to copy')
  for (const { name } of copiedTables) t.match(copy.stdout, new RegExp(`^${name} +${source[name]?.length}$`, 'm'), `the count of ${name} printed`)

  // the server on the copy, with the same key file
  const server = await startServer(t, { db: url, args: ['--node-name', 'pg-1'], env: { AGENTXML_KEY_FILE: keyFile } })
  t.equal(await login(server.url, 'alice', otc(1)), 'FAIL', 'the burnt string stays burnt')
  t.equal(await login(server.url, 'alice', otc(2)), 'PASS', 'an OTC of the batch downloaded from SQLite passes on PostgreSQL')
  t.equal((await downloadStrings(server.url, id)).result, 'PASS', 'the same provision id downloads a new batch')
  const queue = await mustRun(['queue', 'list'], { db: url, env: { AGENTXML_KEY_FILE: keyFile } })
  t.match(queue.stdout, /bob +email +bob@example\.com +queued/, "bob's message is still queued")
  t.match(queue.stdout, /carol +outbox +carol@example\.com +sent/, "carol's is sent")
  const nas = await mustRun(['nas', 'set', 'vpn'], { db: url, env: { AGENTXML_KEY_FILE: keyFile, ...nasSecret } })
  t.equal(nas.stdout, 'NAS "vpn" unchanged\n', "the NAS's sealed secret opens on the copy (the same secret is no change)")

  await mustRun(['user', 'add', 'dave', '--pin', '2468'], { db: url, env: { AGENTXML_KEY_FILE: keyFile } })
  const maxOf = (rows: unknown[] | undefined) => Math.max(...(rows ?? []).map((row) => (row as { id: number }).id))
  const dave = await postgres.selectFrom('users').select('id').where('name', '=', 'dave').executeTakeFirstOrThrow()
  t.equal(dave.id, maxOf(source.users) + 1, 'a new user gets the next id')
  const newest = await postgres.selectFrom('audit_log').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()
  t.ok(Number(newest.id) > maxOf(source.audit_log), 'new audit rows come after the copied ones')
  t.same(server.records().filter((r) => r.level >= 50), [], 'no errors on the server (no duplicate ids)')
})

t.test('db copy refuses, in one line, a target with rows, a target of another key, a source of another key', { skip }, async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 'agentxml.db')
  await mustRun(['init'], { db: file })
  await mustRun(['user', 'add', 'erin', '--pin', '2468'], { db: file })
  const copy = (to: string, extra: string[] = []) => runCli(['db', 'copy', '--from', file, '--to', to, ...extra])
  const oneLine = (result: { status: number | null; stderr: string }, status: number, pattern: RegExp, what: string) => {
    t.equal(result.status, status, `${what}: exit ${status}`)
    if (status === 1) t.equal(result.stderr.trim().split('\n').length, 1, `${what}: one line`)
    t.match(result.stderr, pattern, what)
  }

  const full = await emptyPostgresTarget()
  t.teardown(() => dropDatabaseTarget(full))
  t.equal((await copy(full)).status, 0, 'a first copy, into a database with no tables yet')
  oneLine(await copy(full), 1, /^agentxml: PostgreSQL at [^ ]+ is not empty \(users: 1[,)].*: db copy fills only a database with no rows/, 'a target with rows')

  const otherKeyed = await pgTarget(t)
  const other = await openDatabase(otherKeyed, { keyCheck: 'the check of another key' })
  await other.store.close()
  oneLine(await copy(otherKeyed), 1, /^agentxml: PostgreSQL at [^ ]+ was made with another master key than .*agentxml\.db: db copy needs both made with the same key/, 'a target of another key')
  const refused = await openDatabase(otherKeyed)
  t.same(await refused.db.selectFrom('users').selectAll().execute(), [], 'which was left without rows')
  await refused.store.close()

  const wrongKey = join(dir, 'wrong.key')
  await writeFile(wrongKey, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 })
  oneLine(await copy(await pgTarget(t), ['--key-file', wrongKey]), 1, /agentxml\.db was made with another master key/, 'a source of another key')
  const source = await openDatabase(file)
  await source.db.insertInto('audit_log').values({ time: 1, event: 'e', message: 'nul \u0000 inside', outcome: 'success' }).execute()
  await source.store.close()
  oneLine(await copy(await pgTarget(t)), 1, /^agentxml: the copy failed, and PostgreSQL at [^ ]+ was left without rows: .*0x00/, 'a row the target cannot hold')
  oneLine(await runCli(['db', 'copy', '--from', file]), 2, /db copy needs --from DB and --to DB/, 'no --to')
  oneLine(await runCli(['db', 'move']), 2, /unknown db command "move"/, 'an unknown verb')
  t.match((await runCli(['db', '--help'])).stdout, /db copy --from DB --to DB/, 'db --help shows it')
})

t.test('copyDatabase in small chunks, both ways: every row of keys of one and two columns', { skip }, async (t) => {
  const sqlite = await openDatabase(':memory:', { create: true })
  t.teardown(() => sqlite.store.close())
  const db = sqlite.db
  const now = 1_700_000_000_000
  await db
    .insertInto('repositories')
    .values({ id: 4, name: 'corp', type: 'ldap', preset: 'openldap', url: 'ldap://ldap.example', start_tls: 0, bind_dn: 'cn=sync', bind_password: randomBytes(40), base_dn: 'dc=example', filter: '(objectClass=person)', username_attr: 'uid', email_attr: 'mail', phone_attr: 'mobile', groups: '[]', user_transport: 'email', interval_minutes: 15, grace_days: 7, max_removal_percent: 10, created_at: now })
    .execute()
  for (const id of [2, 5]) await db.insertInto('sync_runs').values({ id, repository_id: 4, trigger: 'interval', dry_run: 0, status: 'ok', started_at: now + id, finished_at: now + id + 1, entries: 8 }).execute()
  for (let i = 1; i <= 8; i++) await db.insertInto('users').values({ id: i * 3, name: `u${i}`, name_key: `u${i}`, transport: 'outbox', mobile: 1, created_at: now, ...(i > 6 ? { repository_id: 4, directory_dn: `uid=u${i},dc=example` } : {}) }).execute()
  for (const device of [1, 2]) {
    await db.insertInto('devices').values({ id: device, user_id: device * 3, id_hash: randomBytes(32), device_os: null, push_id: null, created_at: now }).execute()
    await db.insertInto('string_batches').values({ id: device * 10, device_id: device, strings: randomBytes(64), created_at: now }).execute()
    for (const idx of [1, 2, 5, 7, 8, 40, 99]) await db.insertInto('used_strings').values({ batch_id: device * 10, idx, used_at: now + idx }).execute()
  }
  for (const key of ['a', 'b', 'c', 'd', 'e']) await db.insertInto('policies').values({ key, value: key }).execute()
  for (let i = 0; i < 11; i++) await db.insertInto('audit_log').values({ time: now + i, event: 'e', message: `m${i}`, outcome: 'success' }).execute()

  const listed = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%'`.execute(db)
  t.same(
    listed.rows.map((row) => row.name).filter((name) => name !== 'settings_version').sort(),
    [...tables].sort(),
    "every table of the schema is copied (settings_version is the target's own)",
  )

  const url = await pgTarget(t)
  const postgres = await openDatabase(url)
  t.teardown(() => postgres.store.close())
  const copied = await copyDatabase(db, postgres.db, { chunk: 3 })
  t.match(copied, [{ table: 'repositories', rows: 1 }, { table: 'sync_runs', rows: 2 }, { table: 'users', rows: 8 }, {}, { table: 'policies', rows: 5 }, {}, {}, { table: 'devices', rows: 2 }, { table: 'string_batches', rows: 2 }, { table: 'used_strings', rows: 14 }])
  const source = await contents(db)
  t.same(await contents(postgres.db), source, 'SQLite to PostgreSQL, three rows at a time')

  // a row PostgreSQL cannot hold (text with NUL), late in the order: the whole copy is undone
  await db.insertInto('audit_log').values({ time: now, event: 'e', message: 'nul \u0000 inside', outcome: 'success' }).execute()
  const another = await pgTarget(t)
  const failing = await openDatabase(another)
  t.teardown(() => failing.store.close())
  await t.rejects(copyDatabase(db, failing.db, { chunk: 3 }), /0x00|invalid byte sequence/, 'the copy fails on that row')
  t.same(await failing.db.selectFrom('users').selectAll().execute(), [], 'and the users copied before it are gone with it')
  await db.deleteFrom('audit_log').where('message', 'like', 'nul %').execute()

  const back = await openDatabase(':memory:', { create: true })
  t.teardown(() => back.store.close())
  await copyDatabase(postgres.db, back.db, { chunk: 2 })
  t.same(await contents(back.db), source, 'and back to SQLite, two at a time')
})
