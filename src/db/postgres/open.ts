import { Kysely, Migrator, PostgresDialect } from 'kysely'
import pg from 'pg'
import { describeTarget } from '../describe.js'
import { DatabaseError } from '../errors.js'
import { assertKey, recordKey } from '../key-check.js'
import type { OpenedDatabase, OpenOptions } from '../open-options.js'
import type { Database } from '../schema/index.js'
import { migrationProvider } from './migrations/index.js'
import { postgresStore } from './store.js'

/**
 * Server-side limits on every session, so that a node that froze cannot hold the others up for
 * long: a transaction left open is ended after `idle`, a lock waited for longer than `lock`
 * fails the request (longer than `idle`, so a frozen holder is gone first), and no statement
 * runs past `statement`.
 */
export const sessionTimeouts = { idle: 5_000, lock: 10_000, statement: 15_000 } as const

/**
 * Connect a pool to `url`, check the key, and bring the schema up to date while holding an
 * advisory lock, so nodes starting together on an empty database migrate one after the other.
 */
export async function openPostgres(url: string, options: OpenOptions): Promise<OpenedDatabase> {
  const where = describeTarget(url)
  const pool = new pg.Pool({
    connectionString: withSessionOptions(url),
    application_name: `agentxml ${options.nodeName ?? ''}`.trim(),
    max: 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    types: { getTypeParser },
  })
  // an idle connection that drops (the server restarted) must not take the process with it
  pool.on('error', (err) => options.onError?.(err))
  // nor one in use: pg emits 'error' on a checked-out client that the server ends (a restart, the
  // idle-in-transaction timeout after this process was frozen), and an 'error' nobody listens to
  // ends the process. The query in flight, or the next one, fails with the cause anyway.
  pool.on('connect', (client) => client.on('error', () => undefined))
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  // kysely ends the pool only once a query of its own has opened its driver: the pool is ended
  // here too, or a process that used only the pool (the settings reads) would leave its sessions
  const close = async () => {
    await db.destroy()
    if (!pool.ended) await pool.end()
  }
  try {
    await pool.query('SELECT 1').catch((err: unknown) => {
      throw new DatabaseError(`cannot reach ${where}: ${(err as Error).message}`)
    })
    // as for a SQLite file: only serve and init make a new database (and record its key)
    if (!options.create && !(await hasSchema(pool))) {
      throw new DatabaseError(`${where} has no agentxml tables yet: run agentxml init (or start the server) with the master key first`)
    }
    const hasMeta = async () => (await pool.query<{ found: boolean }>("SELECT to_regclass('meta') IS NOT NULL AS found")).rows[0]?.found === true
    if (options.keyCheck) await assertKey(db, options.keyCheck, where, hasMeta)
    await migrate(pool, db)
    if (options.keyCheck) await recordKey(db, options.keyCheck, where)
  } catch (err) {
    await close()
    throw err
  }
  const store = postgresStore(pool, { close, onError: (err) => options.onError?.(err) })
  return { db, store }
}

async function migrate(pool: pg.Pool, db: Kysely<Database>): Promise<void> {
  if (await upToDate(pool)) return
  const lock = await pool.connect()
  try {
    await lock.query('SELECT pg_advisory_lock(1635281260, 0)')
    try {
      // kysely's own tables in the schema the session works in (its check for them looks in every schema)
      const { rows } = await lock.query<{ schema: string }>('SELECT current_schema() AS schema')
      const migrator = new Migrator({ db, provider: migrationProvider, migrationTableSchema: rows[0]?.schema ?? 'public' })
      const { error } = await migrator.migrateToLatest()
      if (error) throw error instanceof Error ? error : new Error(String(error))
    } finally {
      await lock.query('SELECT pg_advisory_unlock(1635281260, 0)')
    }
  } finally {
    lock.release()
  }
}

async function hasSchema(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ found: boolean }>("SELECT to_regclass('kysely_migration') IS NOT NULL AS found")
  return rows[0]?.found === true
}

/** Every migration already ran (the usual start of a node): no lock, no migrator needed. */
async function upToDate(pool: pg.Pool): Promise<boolean> {
  const names = Object.keys(await migrationProvider.getMigrations())
  if (!(await hasSchema(pool))) return false
  const done = new Set((await pool.query<{ name: string }>('SELECT name FROM kysely_migration')).rows.map((row) => row.name))
  return names.every((name) => done.has(name))
}

/** The URL with agentxml's session settings added to any `options` it already has. */
function withSessionOptions(url: string): string {
  const parsed = new URL(url)
  const settings = [
    `-c idle_in_transaction_session_timeout=${sessionTimeouts.idle}`,
    `-c lock_timeout=${sessionTimeouts.lock}`,
    `-c statement_timeout=${sessionTimeouts.statement}`,
    // the literals of postgres/literal.ts rely on it
    '-c standard_conforming_strings=on',
  ]
  const given = parsed.searchParams.get('options')
  parsed.searchParams.set('options', [given, ...settings].filter(Boolean).join(' '))
  return parsed.toString()
}

// int8 (ids, millisecond times, counts) as numbers: every value agentxml stores is far below 2^53
const int8 = 20
const parseInt8 = (text: string) => Number(text)

function getTypeParser(oid: number, format?: 'text' | 'binary') {
  if (oid === int8) return parseInt8
  return pg.types.getTypeParser(oid, format)
}
