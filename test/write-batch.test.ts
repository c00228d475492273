import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import t, { type Test } from 'tap'
import { type Db, openDatabase } from '../src/db/index.js'
import { type GroupCommit, groupCommit, type SyncDb, syncDb } from '../src/db/sqlite/group-commit.js'
import { withStatementCache } from '../src/db/sqlite/statement-cache.js'
import { testEngine } from './helpers/database.js'

// The group commit behind every provision, download and login on SQLite (db/sqlite/group-commit.ts):
// the units of one event-loop turn share a transaction, yet each succeeds or fails as if it had its own.
const skip = testEngine !== 'sqlite' && 'SQLite only: the group commit is the SQLite store; PostgreSQL runs a transaction per unit'

const names = async (db: Db) => (await db.selectFrom('policies').select('key').orderBy('key').execute()).map((row) => row.key)
const put = (key: string) => (s: SyncDb) => s.run('INSERT INTO policies (key, value) VALUES (?, ?)', [key, 'v'])

/** A database file with the schema, and the group commit on a connection of its own. */
async function tempDatabase(t: Test): Promise<{ db: Db; file: string; inWriteBatch: GroupCommit }> {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-batch-'))
  const file = join(dir, 'agentxml.db')
  await (await openDatabase(file, { create: true })).store.close()
  const sqlite = new SQLite(file)
  sqlite.pragma('journal_mode = WAL')
  const database = withStatementCache(sqlite)
  const db = new Kysely<never>({ dialect: new SqliteDialect({ database }) }) as unknown as Db
  t.teardown(async () => {
    await db.destroy()
    rmSync(dir, { recursive: true, force: true })
  })
  return { db, file, inWriteBatch: groupCommit(db as unknown as Kysely<unknown>, sqlite, syncDb(database)) }
}

t.test('a unit that throws undoes only its own writes; the others of its turn commit', { skip }, async (t) => {
  const { db, inWriteBatch } = await tempDatabase(t)
  const failure = new Error('no')
  const outcomes = await Promise.allSettled([
    inWriteBatch(put('one')),
    inWriteBatch((s) => {
      put('two')(s)
      throw failure
    }),
    inWriteBatch((s) => {
      put('three')(s)
      // a unit sees what the units before it in the turn wrote, as separate transactions would
      return s.all<{ key: string }>('SELECT key FROM policies ORDER BY key').map((row) => row.key)
    }),
  ])
  t.same(outcomes, [
    { status: 'fulfilled', value: 1 },
    { status: 'rejected', reason: failure },
    { status: 'fulfilled', value: ['one', 'three'] },
  ])
  t.same(await names(db), ['one', 'three'], 'committed: the first and the third')
})

t.test('when the transaction cannot start, every unit of the turn fails and nothing is written; later turns work', { skip }, async (t) => {
  const { db, file, inWriteBatch } = await tempDatabase(t)
  await sql`PRAGMA busy_timeout = 50`.execute(db)
  // another process holds the write lock (a command in the middle of a change)
  const other = new SQLite(file)
  t.teardown(() => other.close())
  other.exec('BEGIN IMMEDIATE')
  const outcomes = await Promise.allSettled([inWriteBatch(put('a')), inWriteBatch(put('b'))])
  t.same(outcomes.map((o) => o.status), ['rejected', 'rejected'])
  t.match(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : undefined)), ['SQLITE_BUSY', 'SQLITE_BUSY'])
  other.exec('ROLLBACK')
  t.equal(await inWriteBatch(put('c')), 1, 'the lock released, the next turn commits')
  t.same(await names(db), ['c'])
})

t.test('a unit resolves only once committed: another connection sees its writes at once', { skip }, async (t) => {
  const { file, inWriteBatch } = await tempDatabase(t)
  await Promise.all(['x', 'y', 'z'].map((key) => inWriteBatch(put(key))))
  const reader = new SQLite(file, { readonly: true })
  t.teardown(() => reader.close())
  t.same(reader.prepare('SELECT key FROM policies ORDER BY key').pluck().all(), ['x', 'y', 'z'], 'another connection sees all three')
})
