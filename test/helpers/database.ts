import { createHash, randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import pg from 'pg'
import { type OpenDatabase, type OpenOptions, openDatabase } from '../../src/db/index.js'

/**
 * The engine the suite runs on: `AGENTXML_TEST_ENGINE=postgres` (with `AGENTXML_TEST_PG_URL`,
 * which test/run.mjs sets for the cluster it starts) runs every test on PostgreSQL, else SQLite.
 */
export const testEngine: 'sqlite' | 'postgres' = process.env.AGENTXML_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite'

export const testPgUrl = process.env.AGENTXML_TEST_PG_URL

function clusterUrl(): string {
  if (!testPgUrl) throw new Error('AGENTXML_TEST_ENGINE=postgres needs AGENTXML_TEST_PG_URL (npm test sets both when PostgreSQL is installed)')
  return testPgUrl
}

const urlOf = (database: string) => {
  const url = new URL(clusterUrl())
  url.pathname = `/${database}`
  return url.toString()
}

let admins: pg.Pool | undefined

/** A connection to the cluster's own database, kept for the process (an idle one never keeps it alive). */
async function withAdmin<T>(work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  admins ??= new pg.Pool({ connectionString: clusterUrl(), max: 2, allowExitOnIdle: true })
  const client = await admins.connect()
  try {
    return await work(client)
  } finally {
    client.release()
  }
}

// the migrated template, named after the migrations' source so that a changed one makes a new template
const migrations = new URL('../../src/db/postgres/migrations/', import.meta.url)
const templateName = () => {
  const hash = createHash('sha256')
  for (const file of readdirSync(migrations).filter((name) => name.endsWith('.ts')).sort()) hash.update(readFileSync(new URL(file, migrations)))
  return `agentxml_template_${hash.digest('hex').slice(0, 12)}`
}

let template: Promise<string> | undefined

/** The template every test database is copied from: made (and migrated) once, by whichever process comes first. */
function migratedTemplate(): Promise<string> {
  template ??= withAdmin(async (admin) => {
    const name = templateName()
    await admin.query('SELECT pg_advisory_lock(42, 42)')
    try {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
      if (!rowCount) {
        await admin.query(`CREATE DATABASE ${name}`)
        const { store } = await openDatabase(urlOf(name), { create: true })
        await store.close()
      }
    } finally {
      await admin.query('SELECT pg_advisory_unlock(42, 42)')
    }
    return name
  })
  return template
}

/**
 * A fresh, empty database for one test: SQLite in memory (or in `file`, which several handles,
 * as several processes, can open), or a new database of the test cluster, copied from a
 * migrated template (any number of pools can open it). `drop` removes it again.
 */
export async function freshDatabaseTarget(file = ':memory:'): Promise<string> {
  if (testEngine === 'sqlite') return file
  const name = `t_${randomBytes(6).toString('hex')}`
  const source = await migratedTemplate()
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name} TEMPLATE ${source} STRATEGY FILE_COPY`))
  return urlOf(name)
}

/** A new database of the test cluster with no tables at all, as its admin's CREATE DATABASE leaves it. */
export async function emptyPostgresTarget(): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`))
  return urlOf(name)
}

/** The sessions still connected to database `name`. */
export async function sessionsOn(admin: pg.ClientBase, name: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name])
  return rows[0]?.n ?? 0
}

/**
 * The sessions left on database `name` once those whose clients have gone are gone too, looked at
 * every 5 ms up to `tries` times: a closed client's session leaves pg_stat_activity a moment later.
 */
export async function sessionsLeft(admin: pg.ClientBase, name: string, tries: number): Promise<number> {
  let left = await sessionsOn(admin, name)
  for (let tried = 0; tried < tries && left > 0; tried++) {
    await new Promise((resolve) => setTimeout(resolve, 5))
    left = await sessionsOn(admin, name)
  }
  return left
}

/** Remove a database freshDatabaseTarget made (nothing for SQLite: the test's folder goes). */
export async function dropDatabaseTarget(target: string): Promise<void> {
  if (testEngine === 'sqlite' || !target.startsWith('postgres')) return
  const name = new URL(target).pathname.slice(1)
  await withAdmin(async (admin) => {
    // the sessions of a pool just closed take a few milliseconds to end, and DROP DATABASE waits
    // for sessions in steps of 100 ms: it finds none if it comes after them (FORCE ends the rest)
    await sessionsLeft(admin, name, 20)
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  })
}

/** A fresh database, opened; closing it also drops it. */
export async function openTestDatabase(options: OpenOptions = {}): Promise<OpenDatabase & { readonly target: string }> {
  const target = await freshDatabaseTarget()
  const opened = await openDatabase(target, { create: true, ...options })
  const close = opened.store.close.bind(opened.store)
  return { ...opened, target, store: { ...opened.store, close: async () => (await close(), await dropDatabaseTarget(target)) } }
}
