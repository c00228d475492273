import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { migrationProvider } from './migrations/index.js'
import type { Database } from './schema/index.js'
import { withStatementCache } from './statement-cache.js'

export type Db = Kysely<Database>
export type * from './schema/index.js'

/**
 * Open (creating when needed) the SQLite file and bring its schema up to date. WAL and a busy
 * timeout let the server and the `agentxml` command use one file at once; `synchronous=NORMAL`
 * in WAL mode keeps every committed transaction across a crash of the process.
 */
export async function openDatabase(file: string): Promise<Db> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const sqlite = new SQLite(file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  // reads through a memory map instead of read() calls: measurably cheaper on the hot paths
  sqlite.pragma('mmap_size = 268435456')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
  try {
    await migrate(db)
  } catch (err) {
    await db.destroy()
    throw err
  }
  return db
}

async function migrate(db: Db): Promise<void> {
  const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error(String(error))
}
