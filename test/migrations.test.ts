import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely'
import pg from 'pg'
import t from 'tap'
import { openDatabase } from '../src/db/index.js'
import { migrationProvider as postgresMigrations } from '../src/db/postgres/migrations/index.js'
import { migrationProvider } from '../src/db/sqlite/migrations/index.js'
import { dropDatabaseTarget, emptyPostgresTarget, freshDatabaseTarget, sessionsLeft, sessionsOn, testEngine } from './helpers/database.js'

const migrationCount = Object.keys(await migrationProvider.getMigrations()).length

t.test('processes opening a new database at once all get its schema', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-migrate-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'agentxml.db')
  // separate connections, as a server and a command (or two servers) have; their migrations interleave
  const target = await freshDatabaseTarget(file)
  const opened = await Promise.allSettled(Array.from({ length: 4 }, () => openDatabase(target, { create: true })))
  t.same(opened.map((o) => o.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
  for (const o of opened) {
    if (o.status !== 'fulfilled') continue
    const tables = await o.value.db.introspection.getTables()
    t.ok(tables.some((table) => table.name === 'users'), 'the schema is there')
    const migrations = await o.value.db.selectFrom('kysely_migration' as never).select('name' as never).execute()
    t.equal(migrations.length, migrationCount, 'each migration recorded once')
    await o.value.store.close()
  }
})

t.test('a new database, its WAL and its shared memory are readable by their owner only (SQLite: files)', { skip: testEngine !== 'sqlite' && 'SQLite only: PostgreSQL has no files of ours' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-mode-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'agentxml.db')
  const { store } = await openDatabase(file, { create: true })
  t.teardown(() => store.close())
  for (const suffix of ['', '-wal', '-shm']) t.equal(statSync(file + suffix).mode & 0o777, 0o600, `agentxml.db${suffix}`)
})

t.test('009 widens the audit log\'s actor types and keeps its rows and indexes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-009-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const target = testEngine === 'sqlite' ? join(dir, 'agentxml.db') : await emptyPostgresTarget()
  t.teardown(() => dropDatabaseTarget(target))
  // a database as 008 left it, with an audit history
  const old =
    testEngine === 'sqlite'
      ? new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(target) }) })
      : new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: target }) }) })
  const provider = testEngine === 'sqlite' ? migrationProvider : postgresMigrations
  t.same((await new Migrator({ db: old, provider }).migrateTo('008-plain-ldap')).error, undefined)
  const history = [
    { time: 1, event: 'loginOk', message: 'Login successful', user_name: 'alice', actor: 'portal', actor_type: 'agent', source: '10.0.0.1', outcome: 'success', detail: null, node: 'n1' },
    { time: 2, event: 'userAdded', message: 'User "bob" added', user_name: 'bob', actor: 'root', actor_type: 'admin', source: null, outcome: 'success', detail: null, node: null },
    { time: 3, event: 'loginFailed', message: 'Login failed', user_name: 'carol', actor: null, actor_type: null, source: '::1', outcome: 'failure', detail: 'wrong code', node: 'n2' },
  ]
  for (const row of history) await old.insertInto('audit_log' as never).values(row as never).execute()
  await old.destroy()

  const { db, store } = await openDatabase(target)
  t.teardown(() => store.close())
  const rows = await db.selectFrom('audit_log').select(['id', 'time', 'event', 'message', 'user_name', 'actor', 'actor_type', 'source', 'outcome', 'detail', 'node']).orderBy('id').execute()
  t.same(rows, history.map((row, i) => ({ id: i + 1, ...row })), 'every row, with its id')
  await db.insertInto('audit_log').values({ time: 4, event: 'loginOk', message: 'Login successful', actor: 'vpn', actor_type: 'nas', outcome: 'success' }).execute()
  t.equal((await db.selectFrom('audit_log').select('id').where('actor_type', '=', 'nas').executeTakeFirstOrThrow()).id, 4, 'a NAS may act, and ids go on')
  await t.rejects(sql`INSERT INTO audit_log (time, event, message, actor_type, outcome) VALUES (5, 'e', 'm', 'robot', 'success')`.execute(db), 'an unknown actor type is refused')
  const indexes =
    testEngine === 'sqlite'
      ? await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log' ORDER BY name`.execute(db)
      : await sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes WHERE tablename = 'audit_log' AND indexname <> 'audit_log_pkey' ORDER BY indexname`.execute(db)
  t.same(indexes.rows.map((row) => row.name), ['audit_log_actor', 'audit_log_event', 'audit_log_source', 'audit_log_time', 'audit_log_user'], 'its indexes')
})

t.test('closing a PostgreSQL database ends every session it opened, whether or not kysely ran a query', { skip: testEngine !== 'postgres' && 'PostgreSQL only: a SQLite file has no sessions' }, async (t) => {
  const target = await freshDatabaseTarget()
  t.teardown(() => dropDatabaseTarget(target))
  const name = new URL(target).pathname.slice(1)
  const admin = new pg.Client({ connectionString: target.replace(/\/[^/]+$/, '/postgres') })
  await admin.connect()
  t.teardown(() => admin.end())
  // read through the pool only (the settings), then through kysely too; the settings listener is up
  for (const kysely of [false, true]) {
    const opened = await openDatabase(target)
    await opened.store.settings()
    if (kysely) await opened.db.selectFrom('policies').selectAll().execute()
    await new Promise((resolve) => setTimeout(resolve, 300))
    t.ok((await sessionsOn(admin, name)) >= 2, `open: the pool's session and the listener's (kysely: ${kysely})`)
    await opened.store.close()
    t.equal(await sessionsLeft(admin, name, 40), 0, `closed: no session left (kysely: ${kysely})`)
  }
})
