import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import t from 'tap'
import { openDatabase } from '../src/db/index.js'
import { checkpoints, startBackground } from '../src/db/sqlite/background.js'
import { testEngine } from './helpers/database.js'

// The server's SQLite WAL is copied into the database file by a worker thread, not inside the
// commits of requests (db/sqlite/background.ts). What the file alone holds, without its WAL,
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
    await new Promise((resolve) => setTimeout(resolve, checkpoints.maxMs * 3))
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

t.test('the purge reads ahead in the worker: every old row goes, nothing else, and the worker reports no error', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-readahead-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'agentxml.db')
  const errors: unknown[] = []
  const { store } = await openDatabase(file, { create: true, backgroundCheckpoints: true, onError: (err) => errors.push(err) })
  const day = 86_400_000
  const now = Date.now()
  const row = (time: number, n: number) => ({
    time,
    event: `event${n % 3}`,
    message: `entry ${n}`,
    // NULLs too: the read-ahead looks them up with IS
    user_name: n % 5 === 0 ? null : `user${n % 40}`,
    actor: n % 7 === 0 ? null : `actor${n % 2}`,
    actor_type: 'agent' as const,
    source: n % 4 === 0 ? null : '192.0.2.1',
    outcome: 'success' as const,
    detail: n % 9 === 0 ? 'x'.repeat(10_000) : null,
  })
  await store.insertAudit(Array.from({ length: 1_000 }, (_, n) => row(now - 100 * day + n, n)))
  await store.insertAudit(Array.from({ length: 10 }, (_, n) => row(now - n, n)))
  const chunks: number[] = []
  do chunks.push(await store.deleteAuditBefore(now - 90 * day, 300))
  while (chunks.at(-1) === 300)
  t.same(chunks, [300, 300, 300, 100], 'the old rows, in chunks')
  await store.close()
  const left = new SQLite(file, { readonly: true })
  t.teardown(() => left.close())
  t.equal((left.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n, 10, 'the new ones stay')
  t.same(errors, [], 'the worker prepared and ran its reads')
})

t.test('a read-ahead asked of a worker that has stopped resolves at once', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-readahead-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'agentxml.db')
  await (await openDatabase(file, { create: true })).store.close()
  const background = startBackground(file, createRequire(import.meta.url).resolve('better-sqlite3'), (err) => t.fail(String(err)))
  await background.readAhead(Date.now(), 10)
  await background.stop()
  await background.readAhead(Date.now(), 10)
  t.pass('both resolved')
})
