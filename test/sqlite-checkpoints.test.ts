import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import t from 'tap'
import { openDatabase } from '../src/db/index.js'
import { checkpoints } from '../src/db/sqlite/checkpointer.js'
import { testEngine } from './helpers/database.js'

// The server's SQLite WAL is copied into the database file by a worker thread, not inside the
// commits of requests (db/sqlite/checkpointer.ts). What the file alone holds, without its WAL,
// says whether a checkpoint ran: a few rows are far below SQLite's own threshold of 1 000 pages.
const skip = testEngine !== 'sqlite' && 'SQLite only: PostgreSQL has no WAL file of ours to checkpoint'

async function rowsInFileAlone(background: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-checkpoint-'))
  try {
    const file = join(dir, 'agentxml.db')
    // the schema, folded into the file as the last connection closes
    await (await openDatabase(file, { create: true })).store.close()
    const { db, store } = await openDatabase(file, { backgroundCheckpoints: background })
    // another connection keeps the WAL from being folded in when the server's closes
    const reader = new SQLite(file)
    reader.prepare('SELECT 1').get()
    await db.insertInto('policies').values(Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: 'v' }))).execute()
    await new Promise((resolve) => setTimeout(resolve, checkpoints.everyMs * 4))
    copyFileSync(file, join(dir, 'alone.db'))
    await store.close()
    reader.close()
    const alone = new SQLite(join(dir, 'alone.db'), { readonly: true })
    const { n } = alone.prepare('SELECT count(*) AS n FROM policies').get() as { n: number }
    alone.close()
    return n
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

t.test('with background checkpoints, committed rows reach the database file within a few intervals', { skip }, async (t) => {
  t.equal(await rowsInFileAlone(true), 50)
})

t.test('without them (the commands), the same rows are still only in the WAL', { skip }, async (t) => {
  t.equal(await rowsInFileAlone(false), 0)
})
