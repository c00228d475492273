import type { ExpressionBuilder, Expression, Kysely, SqlBool } from 'kysely'
import { continueIds, inTransaction } from './engine.js'
import { DatabaseError } from './errors.js'
import type { Db } from './index.js'

/**
 * `agentxml db copy`: every row of one database into another, empty one, on either engine
 * (SQLite to PostgreSQL is what it is for). The decisions:
 *
 * - Ids are kept: devices, batches and messages refer to each other by id, and a provision id
 *   in the field names its device by hash, so nothing needs renumbering.
 * - The target is written in ONE transaction: a copy that fails half way (a full disk, a
 *   dropped connection) leaves the target empty, and running it again is the way to resume.
 *   PostgreSQL and SQLite both hold a transaction of millions of rows.
 * - The source is read in a snapshot (one read-only transaction), a chunk at a time in key
 *   order, so memory stays flat however long the audit log is.
 * - The target's own key check (meta) and settings version stay as the target made them; the
 *   key check has already been compared when both were opened with the same key.
 */

interface Table {
  readonly name: string
  /** The primary key, the order in which the rows are read. */
  readonly key: readonly string[]
  /** An identity id, which must go on counting after the copied rows. */
  readonly ids?: true
}

/** Every table of data, each after the tables its foreign keys point at. */
export const copiedTables: readonly Table[] = [
  { name: 'repositories', key: ['id'], ids: true },
  { name: 'sync_runs', key: ['id'], ids: true },
  { name: 'users', key: ['id'], ids: true },
  { name: 'agents', key: ['id'], ids: true },
  { name: 'policies', key: ['key'] },
  { name: 'provision_codes', key: ['user_id'] },
  { name: 'pin_reset_codes', key: ['user_id'] },
  { name: 'devices', key: ['id'], ids: true },
  { name: 'string_batches', key: ['id'], ids: true },
  { name: 'used_strings', key: ['batch_id', 'idx'] },
  { name: 'messages', key: ['id'], ids: true },
  { name: 'admins', key: ['id'], ids: true },
  { name: 'admin_sessions', key: ['id'], ids: true },
  { name: 'audit_log', key: ['id'], ids: true },
  { name: 'rate_limits', key: ['key'] },
  { name: 'nas_clients', key: ['id'], ids: true },
  { name: 'radius_challenges', key: ['nonce_hash'] },
  { name: 'radius_replies', key: ['request_hash'] },
  { name: 'delivery_settings', key: ['key'] },
]

export interface CopyOptions {
  /** Rows per read and per insert (at most 23 columns a row, repositories': 11,500 parameters, far below both engines' limits). */
  readonly chunk?: number
  /** How the target is named in the refusal. */
  readonly target?: string
}

export interface CopiedTable {
  readonly table: string
  readonly rows: number
}

type Row = Record<string, unknown>
/** The query builder without the schema's types: the tables are walked by name. */
type Loose = Kysely<Record<string, Row>>

/** Copy every row of `source` into `target`, which must hold none; the rows copied per table. */
export async function copyDatabase(source: Db, target: Db, options: CopyOptions = {}): Promise<CopiedTable[]> {
  const chunk = options.chunk ?? 500
  return (source as unknown as Loose)
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute((from) =>
      inTransaction(target, async (trx) => {
        const to = trx as unknown as Loose
        await assertEmpty(to, options.target ?? 'the target')
        const copied: CopiedTable[] = []
        for (const table of copiedTables) {
          let rows = 0
          for await (const batch of readChunks(from, table, chunk)) {
            await to.insertInto(table.name).values(batch).execute()
            rows += batch.length
          }
          if (table.ids) await continueIds(trx, table.name)
          copied.push({ table: table.name, rows })
        }
        await copyMeta(from, to)
        return copied
      }),
    )
}

async function assertEmpty(db: Loose, where: string): Promise<void> {
  const filled: string[] = []
  for (const { name } of copiedTables) {
    const row = await db.selectFrom(name).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst()
    const count = Number(row?.n ?? 0)
    if (count > 0) filled.push(`${name}: ${count}`)
  }
  if (filled.length > 0) {
    throw new DatabaseError(`${where} is not empty (${filled.join(', ')}): db copy fills only a database with no rows, such as a new one`)
  }
}

/** The rows of `table` in key order, `chunk` at a time, each read starting after the last key seen. */
async function* readChunks(db: Loose, table: Table, chunk: number): AsyncGenerator<Row[]> {
  let last: Row | undefined
  for (;;) {
    let query = db.selectFrom(table.name).selectAll()
    const after = last
    if (after) query = query.where((eb) => afterKey(eb, table.key, after))
    for (const column of table.key) query = query.orderBy(column)
    const rows = await query.limit(chunk).execute()
    if (rows.length > 0) yield rows
    if (rows.length < chunk) return
    last = rows.at(-1)
  }
}

/** `key > last` for a key of one or more columns, spelled out as plain comparisons (no row values). */
function afterKey(eb: ExpressionBuilder<Record<string, Row>, string>, key: readonly string[], last: Row): Expression<SqlBool> {
  const [first, ...rest] = key
  if (first === undefined) return eb.lit(false)
  const beyond = eb(eb.ref(first), '>', last[first])
  if (rest.length === 0) return beyond
  return eb.or([beyond, eb.and([eb(eb.ref(first), '=', last[first]), afterKey(eb, rest, last)])])
}

/** Facts about the database that the target lacks (its own key check stays). */
async function copyMeta(from: Loose, to: Loose): Promise<void> {
  const rows = await from.selectFrom('meta').selectAll().execute()
  if (rows.length === 0) return
  await to.insertInto('meta').values(rows).onConflict((oc) => oc.column('key').doNothing()).execute()
}
