import { type CopiedTable, copyDatabase } from '../db/copy.js'
import type { Flags } from '../config.js'
import { DatabaseError, describeDatabase, engineOfTarget, KeyMismatch, type OpenDatabase, openDatabase } from '../db/index.js'
import { deriveKeys, keyCheck, loadMasterKey } from '../secrets.js'
import { assertNoMore, CliError, type Command, configFrom, type Io, parse, print, table, UsageError } from './shared.js'

const usage = `Usage: agentxml db copy --from DB --to DB [--key-file FILE]

Copies every row, ids kept, from one database into another that has none: from SQLite to
PostgreSQL (or back), in one transaction. A failed copy leaves the target empty: run it again.
Stop the servers first: what they write after the copy began is not copied.

Both databases are opened with one master key, the source's: its key file beside a SQLite
source, unless --key-file or AGENTXML_SECRET_KEY says otherwise. A SQLite target must exist
already (agentxml init --db FILE, with that key); a PostgreSQL target is migrated if empty.
`

/** `agentxml db copy --from DB --to DB`: move a database to another engine (issue #9, item 6). */
export const db: Command = {
  name: 'db',
  usage,
  verbs: ['copy'],
  async run(args, io) {
    const [verb, ...rest] = args
    if (verb !== 'copy') throw new UsageError(`unknown db command "${verb ?? ''}"`)
    const { values, positionals } = parse(rest, { from: { type: 'string' }, to: { type: 'string' } })
    const { from, to } = values
    if (values.db !== undefined) throw new UsageError('db copy takes --from and --to, not --db')
    if (!from || !to) throw new UsageError('db copy needs --from DB and --to DB')
    assertNoMore(positionals, 0)
    await copyBetween(from, to, values, io)
  },
}

async function copyBetween(from: string, to: string, values: Flags, io: Io): Promise<void> {
  const config = configFrom({ ...values, db: from }, io)
  configFrom({ db: to }, io) // the same checks of the address
  const check = keyCheck(deriveKeys(loadMasterKey({ fromEnv: config.secretKey, keyFile: config.keyFile, create: false })))
  const source = await openDatabase(from, { keyCheck: check, nodeName: 'db-copy' })
  try {
    const target = await openTarget(to, from, check)
    try {
      report(io, from, to, await copy(source, target, to))
    } finally {
      await target.store.close()
    }
  } finally {
    await source.store.close()
  }
}

async function openTarget(to: string, from: string, check: string): Promise<OpenDatabase> {
  try {
    // a SQLite target must exist already (agentxml init): a mistyped path must not become a
    // database; an empty PostgreSQL database (CREATE DATABASE by its admin) gets the schema
    return await openDatabase(to, { keyCheck: check, nodeName: 'db-copy', create: engineOfTarget(to) === 'postgres' })
  } catch (err) {
    if (!(err instanceof KeyMismatch)) throw err
    throw new CliError(
      `${describeDatabase(to)} was made with another master key than ${describeDatabase(from)}: db copy needs both made with the same key (the key file, or AGENTXML_SECRET_KEY)`,
    )
  }
}

/** A copy that fails (a row the target refuses, a dropped connection) rolls back as a whole: one line says so. */
async function copy(source: OpenDatabase, target: OpenDatabase, to: string): Promise<CopiedTable[]> {
  try {
    return await copyDatabase(source.db, target.db, { target: describeDatabase(to) })
  } catch (err) {
    if (err instanceof DatabaseError) throw err
    throw new CliError(`the copy failed, and ${describeDatabase(to)} was left without rows: ${(err as Error).message}`)
  }
}

function report(io: Io, from: string, to: string, copied: readonly CopiedTable[]): void {
  const total = copied.reduce((sum, { rows }) => sum + rows, 0)
  print(io, `copied ${total} rows from ${describeDatabase(from)} to ${describeDatabase(to)}`)
  print(io, table([['TABLE', 'ROWS'], ...copied.map(({ table: name, rows }) => [name, String(rows)])]))
}
