import type SQLite from 'better-sqlite3'
import type { Db } from './index.js'

/**
 * Plain SQL with `?` parameters, run synchronously on the database's one connection. For the
 * statements of every provision, download and login: through the query builder each costs
 * several times what SQLite does, plus a promise per statement.
 */
export interface SyncDb {
  get<Row>(text: string, parameters?: readonly unknown[]): Row | undefined
  all<Row>(text: string, parameters?: readonly unknown[]): Row[]
  /** For statements that return no rows; the number of rows changed. */
  run(text: string, parameters?: readonly unknown[]): number
}

interface Job {
  readonly work: (sql: SyncDb) => unknown
  readonly resolve: (value: unknown) => void
  readonly reject: (reason: unknown) => void
}

interface Handle {
  readonly sql: SyncDb
  readonly inTransaction: () => boolean
  queue: Job[]
  scheduled: boolean
}

// kept on the Kysely instance under a registered symbol: found whichever copy of this module asks
const handleKey = Symbol.for('agentxml.syncDb')

/** Called once by openDatabase: `db`'s connection, for the functions below. */
export function registerSyncDb(db: Db, database: { prepare(text: string): SQLite.Statement }, inTransaction: () => boolean): void {
  const sql: SyncDb = {
    get: (text, parameters = []) => database.prepare(text).get(parameters) as never,
    all: (text, parameters = []) => database.prepare(text).all(parameters) as never,
    run: (text, parameters = []) => Number(database.prepare(text).run(parameters).changes),
  }
  const handle: Handle = { sql, inTransaction, queue: [], scheduled: false }
  Object.defineProperty(db, handleKey, { value: handle })
}

function handleOf(db: Db): Handle {
  const handle = (db as unknown as Record<symbol, Handle | undefined>)[handleKey]
  if (!handle) throw new Error('not a database opened by openDatabase')
  return handle
}

/**
 * Reads that need no transaction (one row of settings). They may run while a transaction of
 * another request is open on the connection, and then see its writes: use only for values
 * that are checked again where it matters.
 */
export function readSync(db: Db): SyncDb {
  return handleOf(db).sql
}

/**
 * Run `work` in a write transaction and resolve with its result once that is committed.
 * Group commit: the work of every request of one event-loop turn shares one `BEGIN IMMEDIATE`
 * … `COMMIT`, each in its own savepoint, so one that throws undoes only its own writes. The
 * units run one after the other, each seeing the writes of those before it, exactly as
 * separate transactions would; committing once for all of them is what saves the time.
 * `work` must be synchronous and use only `sql`.
 */
export function inWriteBatch<T>(db: Db, work: (sql: SyncDb) => T): Promise<T> {
  const handle = handleOf(db)
  return new Promise<T>((resolve, reject) => {
    handle.queue.push({ work, resolve: resolve as (value: unknown) => void, reject })
    if (!handle.scheduled) {
      handle.scheduled = true
      setImmediate(() => void commit(db, handle))
    }
  })
}

async function commit(db: Db, handle: Handle): Promise<void> {
  const jobs = handle.queue
  handle.queue = []
  handle.scheduled = false
  const outcomes: { ok: boolean; value: unknown }[] = []
  try {
    // the connection, held: no statement of the query builder runs in between
    await db.connection().execute(async () => {
      const { sql } = handle
      sql.run('BEGIN IMMEDIATE')
      try {
        for (const job of jobs) {
          sql.run('SAVEPOINT work')
          try {
            outcomes.push({ ok: true, value: job.work(sql) })
            sql.run('RELEASE work')
          } catch (err) {
            sql.run('ROLLBACK TO work')
            sql.run('RELEASE work')
            outcomes.push({ ok: false, value: err })
          }
        }
        sql.run('COMMIT')
      } catch (err) {
        // (SQLite may have rolled back already, after an I/O error)
        if (handle.inTransaction()) sql.run('ROLLBACK')
        throw err
      }
    })
  } catch (err) {
    // nothing of this turn was committed: every unit fails with the cause
    for (const job of jobs) job.reject(err)
    return
  }
  jobs.forEach((job, n) => {
    const outcome = outcomes[n] as { ok: boolean; value: unknown }
    if (outcome.ok) job.resolve(outcome.value)
    else job.reject(outcome.value)
  })
}
