import type { Kysely } from 'kysely'
import type { OpenOptions } from './open-options.js'
import { describeTarget } from './describe.js'
import type { Database } from './schema/index.js'
import { checkSqliteFile, openSqlite } from './sqlite/open.js'
import type { Engine, Store } from './store.js'

export type Db = Kysely<Database>
export type * from './schema/index.js'
export type { OpenOptions } from './open-options.js'
export type * from './store.js'
export { connectionError, DatabaseError, KeyMismatch } from './errors.js'

/** `postgres://…` or `postgresql://…` means PostgreSQL; anything else is a SQLite file path. */
export function engineOfTarget(target: string): Engine {
  return /^postgres(ql)?:\/\//i.test(target) ? 'postgres' : 'sqlite'
}

/** How messages name a database: the SQLite path, or PostgreSQL's host, port and database (never the password). */
export function describeDatabase(target: string): string {
  return engineOfTarget(target) === 'postgres' ? describeTarget(target) : target
}

export interface OpenDatabase {
  readonly engine: Engine
  /** The query builder, for everything but the hot paths; its SQL must run on both engines. */
  readonly db: Db
  /** The hot-path units and what differs between the engines. */
  readonly store: Store
}

/**
 * Whether `target` names a database that exists, checked before anything is made: a SQLite
 * path that is a folder, or names nothing when `create` is false, is refused. PostgreSQL's is
 * found out when it is opened.
 */
export function databaseExists(target: string, create: boolean): boolean {
  if (engineOfTarget(target) === 'postgres') return true
  return target !== ':memory:' && checkSqliteFile(target, create)
}

/** Open the database `target` names; the engine is chosen here, once. */
export async function openDatabase(target: string, options: OpenOptions = {}): Promise<OpenDatabase> {
  const engine = engineOfTarget(target)
  // PostgreSQL's driver and code are loaded only for a postgres:// target
  const opened = engine === 'postgres' ? await (await import('./postgres/open.js')).openPostgres(target, options) : await openSqlite(target, options)
  return { engine, ...opened }
}
