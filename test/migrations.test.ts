import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openDatabase } from '../src/db/index.js'
import { migrationProvider } from '../src/db/sqlite/migrations/index.js'
import { freshDatabaseTarget, testEngine } from './helpers/database.js'

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
