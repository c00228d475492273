import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import { type Db, openDatabase } from '../src/db/index.js'
import { inWriteBatch, type SyncDb } from '../src/db/sync.js'

// The group commit behind every provision, download and login (db/sync.ts): the units of one
// event-loop turn share a transaction, yet each succeeds or fails as if it had its own.

const names = async (db: Db) => (await db.selectFrom('policies').select('key').orderBy('key').execute()).map((row) => row.key)
const put = (key: string) => (s: SyncDb) => s.run('INSERT INTO policies (key, value) VALUES (?, ?)', [key, 'v'])

async function tempDatabase(t: Test): Promise<{ db: Db; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-batch-'))
  const file = join(dir, 'agentxml.db')
  const db = await openDatabase(file)
  t.teardown(async () => {
    await db.destroy()
    rmSync(dir, { recursive: true, force: true })
  })
  return { db, file }
}

t.test('a unit that throws undoes only its own writes; the others of its turn commit', async (t) => {
  const { db } = await tempDatabase(t)
  const failure = new Error('no')
  const outcomes = await Promise.allSettled([
    inWriteBatch(db, put('one')),
    inWriteBatch(db, (s) => {
      put('two')(s)
      throw failure
    }),
    inWriteBatch(db, (s) => {
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

t.test('when the transaction cannot start, every unit of the turn fails and nothing is written; later turns work', async (t) => {
  const { db, file } = await tempDatabase(t)
  await sql`PRAGMA busy_timeout = 50`.execute(db)
  // another process holds the write lock (a command in the middle of a change)
  const other = new SQLite(file)
  t.teardown(() => other.close())
  other.exec('BEGIN IMMEDIATE')
  const outcomes = await Promise.allSettled([inWriteBatch(db, put('a')), inWriteBatch(db, put('b'))])
  t.same(outcomes.map((o) => o.status), ['rejected', 'rejected'])
  t.match(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : undefined)), ['SQLITE_BUSY', 'SQLITE_BUSY'])
  other.exec('ROLLBACK')
  t.equal(await inWriteBatch(db, put('c')), 1, 'the lock released, the next turn commits')
  t.same(await names(db), ['c'])
})

t.test('a unit resolves only once committed: another connection sees its writes at once', async (t) => {
  const { db, file } = await tempDatabase(t)
  await Promise.all(['x', 'y', 'z'].map((key) => inWriteBatch(db, put(key))))
  const reader = new SQLite(file, { readonly: true })
  t.teardown(() => reader.close())
  t.same(reader.prepare('SELECT key FROM policies ORDER BY key').pluck().all(), ['x', 'y', 'z'], 'another connection sees all three')
})
