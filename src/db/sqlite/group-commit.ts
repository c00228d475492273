import type SQLite from 'better-sqlite3'
import type { Kysely } from 'kysely'

/**
 * Plain SQL with `?` parameters, run synchronously on the database's one connection: through
 * the query builder each statement of a login costs several times what SQLite does, plus a
 * promise.
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

export type GroupCommit = <T>(work: (sql: SyncDb) => T) => Promise<T>

/**
 * Group commit: the work of every request of one event-loop turn shares one `BEGIN IMMEDIATE`
 * … `COMMIT`, each in its own savepoint, so one that throws undoes only its own writes. The
 * units run one after the other, each seeing the writes of those before it, exactly as
 * separate transactions would; committing once for all of them is what saves the time. A
 * unit's promise resolves once its turn is committed. `work` must be synchronous and use only
 * `sql`. The query builder's connection is held meanwhile, so none of its statements runs in
 * between.
 */
export function groupCommit(db: Kysely<unknown>, sqlite: SQLite.Database, sql: SyncDb): GroupCommit {
  let queue: Job[] = []
  let scheduled = false

  const commit = async () => {
    const jobs = queue
    queue = []
    scheduled = false
    const outcomes: { ok: boolean; value: unknown }[] = []
    try {
      await db.connection().execute(async () => {
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
          if (sqlite.inTransaction) sql.run('ROLLBACK')
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

  return <T>(work: (sql: SyncDb) => T) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject })
      if (!scheduled) {
        scheduled = true
        setImmediate(() => void commit())
      }
    })
}

/** `database`'s statements as SyncDb, prepared through its statement cache. */
export function syncDb(database: { prepare(text: string): SQLite.Statement }): SyncDb {
  return {
    get: (text, parameters = []) => database.prepare(text).get(parameters) as never,
    all: (text, parameters = []) => database.prepare(text).all(parameters) as never,
    run: (text, parameters = []) => Number(database.prepare(text).run(parameters).changes),
  }
}
