import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import t from 'tap'
import { openDatabase } from '../src/db/index.js'
import { migrationProvider } from '../src/db/sqlite/migrations/index.js'
import { createLogger } from '../src/logging/logger.js'
import { deleteUser, requireUser } from '../src/domain/users.js'
import { deriveKeys } from '../src/secrets.js'
import { testKey } from './helpers/build.js'
import { testEngine } from './helpers/database.js'

// Migration 005 gives every user its case-insensitive key. Two users an older version let in
// with names that differ only in case keep their rows: the older one gets the key, the other is
// still reached by its own exact name, to be deleted or changed, and never mistaken for the first.

t.test('names that differ only in case, from before 005', { skip: testEngine !== 'sqlite' && 'SQLite only: a database of an older version is a SQLite file' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-name-keys-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'agentxml.db')
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SQLite(file) }) })
  await new Migrator({ db: old, provider: migrationProvider }).migrateTo('004-settings-version')
  for (const name of ['alice', 'Alice']) {
    await old.insertInto('users' as never).values({ name, transport: 'outbox', mobile: 1, created_at: 1 } as never).execute()
  }
  await old.destroy()

  const { db, store } = await openDatabase(file)
  t.teardown(() => store.close())
  const rows = await db.selectFrom('users').select(['name', 'name_key']).orderBy('id').execute()
  t.same(rows, [{ name: 'alice', name_key: 'alice' }, { name: 'Alice', name_key: null }], 'the older one has the key')
  const services = { db, store, keys: deriveKeys(testKey), log: createLogger({ format: 'json', level: 'silent' }), now: Date.now }
  t.equal((await requireUser(services, 'Alice')).name, 'Alice', 'the exact name finds its own user')
  t.equal((await requireUser(services, 'ALICE')).name, 'alice', 'any other spelling finds the keyed one')
  await deleteUser(services, 'Alice')
  t.same((await db.selectFrom('users').select('name').execute()).map((row) => row.name), ['alice'], 'and delete removes exactly that one')
})
