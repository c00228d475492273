import { type Expression, PostgresAdapter, type SelectQueryBuilder, type SqlBool, sql } from 'kysely'
import type { Db } from './index.js'
import type { Engine } from './store.js'

/**
 * What differs between the engines for the query-builder code (the hot paths have a store per
 * engine instead): transactions, row locks and case-insensitive search.
 */
export function engineOf(db: Db): Engine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite'
}

/**
 * Run `work` in one transaction; use only `trx` inside. SQLite: `BEGIN IMMEDIATE`, the write
 * lock taken up front, so a second process waits on the busy timeout instead of failing half
 * way. PostgreSQL: READ COMMITTED; rows read to be changed are locked with `forUpdate` below.
 */
export async function inTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  if (engineOf(db) === 'postgres') return db.transaction().execute(work)
  return db.connection().execute(async (trx) => {
    await sql`BEGIN IMMEDIATE`.execute(trx)
    try {
      const result = await work(trx)
      await sql`COMMIT`.execute(trx)
      return result
    } catch (err) {
      await sql`ROLLBACK`.execute(trx)
      throw err
    }
  })
}

/**
 * `SELECT … FOR UPDATE` on PostgreSQL, where rows read to be changed must be locked (the user's
 * row first, as the hot paths do); SQLite's transactions already hold the one write lock.
 */
// biome-ignore lint: the query builder's generics
export function forUpdate<Q extends SelectQueryBuilder<any, any, any>>(db: Db, query: Q): Q {
  return engineOf(db) === 'postgres' ? (query.forUpdate() as Q) : query
}

/** `column` contains `text`, ignoring case: SQLite's LIKE does (for ASCII), PostgreSQL's ILIKE. */
export function containsText(db: Db, column: string, text: string): Expression<SqlBool> {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  const operator = engineOf(db) === 'postgres' ? sql`ILIKE` : sql`LIKE`
  return sql<SqlBool>`${sql.ref(column)} ${operator} ${pattern} ESCAPE '\\'`
}

/**
 * After rows were written with their own ids (`agentxml db copy`), new rows must get ids above
 * them: PostgreSQL's identity sequence is moved past the highest; SQLite takes the highest
 * rowid plus one by itself.
 */
export async function continueIds(db: Db, table: string): Promise<void> {
  if (engineOf(db) !== 'postgres') return
  await sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), coalesce(max(id), 0) + 1, false) FROM ${sql.table(table)}`.execute(db)
}
