import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { migrationProvider } from './migrations/index.js'
import type { Database } from './schema/index.js'
import { withStatementCache } from './statement-cache.js'
import { registerSyncDb } from './sync.js'

export type Db = Kysely<Database>
export type * from './schema/index.js'

/**
 * Open (creating when needed) the SQLite file and bring its schema up to date. WAL and a busy
 * timeout let the server and the `agentxml` command use one file at once; `synchronous=NORMAL`
 * in WAL mode keeps every committed transaction across a crash of the process.
 */
export async function openDatabase(file: string): Promise<Db> {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
    // a new file is readable by its owner only; SQLite gives its -wal and -shm files the same mode
    closeSync(openSync(file, 'a', 0o600))
  }
  const sqlite = new SQLite(file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  // reads through a memory map instead of read() calls: measurably cheaper on the hot paths
  sqlite.pragma('mmap_size = 268435456')
  const database = withStatementCache(sqlite)
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) })
  registerSyncDb(db, database, () => sqlite.inTransaction)
  try {
    await migrate(db, sqlite)
  } catch (err) {
    await db.destroy()
    throw err
  }
  return db
}

/**
 * Bring the schema up to date, holding the write lock throughout: processes opening a new file
 * at once (a server and a command, two servers) then migrate one after the other, and the later
 * ones find nothing left to do. (Kysely does not wrap SQLite migrations in a transaction.)
 */
async function migrate(db: Db, sqlite: SQLite.Database): Promise<void> {
  await beginImmediate(sqlite)
  try {
    const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest()
    if (error) throw error instanceof Error ? error : new Error(String(error))
    sqlite.exec('COMMIT')
  } catch (err) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK')
    throw err
  }
}

/** `BEGIN IMMEDIATE`, waiting without blocking the event loop (another connection of this process may hold the lock). */
async function beginImmediate(sqlite: SQLite.Database, timeoutMs = 30_000): Promise<void> {
  const timeout = sqlite.pragma('busy_timeout', { simple: true }) as number
  sqlite.pragma('busy_timeout = 0')
  try {
    for (let waited = 0; ; waited += 25) {
      try {
        sqlite.exec('BEGIN IMMEDIATE')
        return
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || waited >= timeoutMs) throw err
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
    }
  } finally {
    sqlite.pragma(`busy_timeout = ${timeout}`)
  }
}
