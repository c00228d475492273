import type SQLite from 'better-sqlite3'
import type { SqliteDatabase } from 'kysely'

/**
 * better-sqlite3 as Kysely (and sync.ts) see it, with prepared statements kept for reuse: Kysely
 * prepares every query afresh, and preparing costs more than running the small queries of a
 * login. At most `size` statements are kept, the least recently used going first. Safe because
 * one statement at a time runs on the one connection and each runs to completion
 * (`get`/`all`/`run`); a `stream()` left half-read would keep its statement busy, and nothing
 * here streams.
 */
export function withStatementCache(sqlite: SQLite.Database, size = 500): SqliteDatabase & { prepare(sql: string): SQLite.Statement } {
  const cache = new Map<string, SQLite.Statement>()
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql)
      if (statement) {
        cache.delete(sql)
      } else {
        statement = sqlite.prepare(sql)
        if (cache.size >= size) cache.delete(cache.keys().next().value as string)
      }
      cache.set(sql, statement)
      return statement
    },
  }
}
