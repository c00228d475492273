import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { DatabaseError } from '../errors.js'
import { type Background, checkpoints, startBackground } from './background.js'
import { notADatabase } from './file.js'
import { assertKey, recordKey } from '../key-check.js'
import type { OpenOptions, OpenedDatabase } from '../open-options.js'
import type { Database } from '../schema/index.js'
import { groupCommit, syncDb } from './group-commit.js'
import { migrationProvider } from './migrations/index.js'
import { withStatementCache } from './statement-cache.js'
import { sqliteStore } from './store.js'

const require = createRequire(import.meta.url)

/**
 * Open the SQLite file and bring its schema up to date. WAL and a busy timeout let the server
 * and the `agentxml` command use one file at once; `synchronous=NORMAL` in WAL mode keeps every
 * committed transaction across a crash of the process. A new file is made only when `create`
 * says so (the server, `agentxml init`): a mistyped path must not quietly become a new database.
 */
export async function openSqlite(file: string, options: OpenOptions): Promise<OpenedDatabase> {
  const memory = file === ':memory:'
  if (!memory) prepareFile(file, options)
  const sqlite = new SQLite(file)
  try {
    sqlite.pragma('journal_mode = WAL')
  } catch (err) {
    sqlite.close()
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') throw new DatabaseError(`${file} is not an agentxml database (SQLite: file is not a database)`)
    throw err
  }
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  // reads through a memory map instead of read() calls: measurably cheaper on the hot paths. The
  // first 32 MiB of the file: all of a database of some thousands of users, while a far larger
  // one reads the rest through the page cache, and the pages mapped, which count as the
  // server's resident memory, stay few (at a million users 64 MiB mapped were a quarter of it)
  sqlite.pragma('mmap_size = 33554432')
  const database = withStatementCache(sqlite)
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) })
  const sql = syncDb(database)
  let background: Background | undefined
  const close = async () => {
    await background?.stop()
    await db.destroy()
  }
  try {
    const hasMeta = async () => sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() !== undefined
    if (options.keyCheck) await assertKey(db, options.keyCheck, file, hasMeta)
    await migrate(db, sqlite)
    if (options.keyCheck) await recordKey(db, options.keyCheck, file)
  } catch (err) {
    await close()
    throw err
  }
  if (!memory) secureFiles(file, options)
  if (!memory && options.backgroundCheckpoints) {
    sqlite.pragma(`wal_autocheckpoint = ${checkpoints.fallbackPages}`)
    background = startBackground(file, require.resolve('better-sqlite3'), (err) => options.onError?.(err))
  }
  const readAhead = background?.readAhead
  const store = sqliteStore({ sql, inWriteBatch: groupCommit(db as Kysely<unknown>, sqlite, sql), readAhead, close })
  return { db, store }
}

/** Refuse a path that is a folder, or names no file when none may be made; true when it exists. */
export function checkSqliteFile(file: string, create: boolean): boolean {
  // before anything is made beside it (a key file): `--db /etc/passwd` changes nothing
  const problem = notADatabase(file)
  if (problem) throw new DatabaseError(problem)
  if (existsSync(file) && statSync(file).size > 0) return true
  if (existsSync(file)) return create ? false : missing(file)
  return create ? false : missing(file)
}

const missing = (file: string): never => {
  throw new DatabaseError(`no database at ${file}: start the server once (agentxml serve), or run agentxml init, to create it`)
}

function prepareFile(file: string, options: OpenOptions): void {
  if (checkSqliteFile(file, options.create ?? false)) return
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  // a new file is readable by its owner only; SQLite gives its -wal and -shm files the same mode
  closeSync(openSync(file, 'a', 0o600))
}

/** The database and its -wal/-shm files hold hashes and sealed values: owner only, enforced. */
function secureFiles(file: string, options: OpenOptions): void {
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (!existsSync(path)) continue
    const mode = statSync(path).mode & 0o777
    if ((mode & 0o077) === 0) continue
    chmodSync(path, mode & 0o700)
    options.onWarning?.(`${path} was readable by others (mode ${mode.toString(8)}); it is now ${(mode & 0o700).toString(8)}`)
  }
}

/**
 * Bring the schema up to date, holding the write lock throughout: processes opening a new file
 * at once (a server and a command, two servers) then migrate one after the other, and the later
 * ones find nothing left to do. (Kysely does not wrap SQLite migrations in a transaction.)
 */
async function migrate(db: Kysely<Database>, sqlite: SQLite.Database): Promise<void> {
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
