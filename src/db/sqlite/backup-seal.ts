import { createHash, type Hash } from 'node:crypto'
import type SQLite from 'better-sqlite3'
import { sql } from 'kysely'
import { openSqlite } from './open.js'

/**
 * What a backup's seal covers: a digest of its whole content, the schema and every row of every
 * table in a fixed order, whatever the page layout. The seal itself (meta `backup-seal`) is left
 * out. Restore recomputes it, so a row or a trigger added to a backup file by someone without
 * the master key is found before anything is restored.
 */
export const sealKey = 'backup-seal'

export function contentDigest(db: SQLite.Database): Buffer {
  const hash = createHash('sha256')
  const schema = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').raw(true).all() as unknown[][]
  for (const row of schema) add(hash, 'schema', row)
  const tables = schema.filter(([type, name]) => type === 'table' && !String(name).startsWith('sqlite_'))
  for (const [, name, , sql] of tables) {
    const quoted = `"${String(name).replace(/"/g, '""')}"`
    const order = /WITHOUT\s+ROWID/i.test(String(sql)) ? primaryKeyOrder(db, quoted) : 'rowid'
    const skip = name === 'meta' ? ` WHERE key <> '${sealKey}'` : ''
    for (const row of db.prepare(`SELECT * FROM ${quoted}${skip} ORDER BY ${order}`).raw(true).iterate() as IterableIterator<unknown[]>) add(hash, String(name), row)
  }
  return hash.digest()
}

function primaryKeyOrder(db: SQLite.Database, quoted: string): string {
  const columns = db.prepare(`PRAGMA table_info(${quoted})`).all() as { name: string; pk: number }[]
  return columns
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => `"${c.name.replace(/"/g, '""')}"`)
    .join(', ')
}

/** Each value with its type and length, so no two different rows hash alike. */
function add(hash: Hash, table: string, row: readonly unknown[]): void {
  hash.update(`${table.length}:${table}|${row.length}`)
  for (const value of row) {
    if (value === null) hash.update('|n')
    else if (Buffer.isBuffer(value)) hash.update(`|b${value.length}:`).update(value)
    else {
      const text = String(value)
      hash.update(`|${typeof value === 'string' ? 's' : 'v'}${Buffer.byteLength(text)}:${text}`)
    }
  }
}

/**
 * Schema objects of `db` that this version's migrations do not make (a table, an index, a view
 * or a trigger of another name, or a trigger or view with other SQL): undefined when there are none.
 */
export async function foreignSchema(db: SQLite.Database): Promise<string | undefined> {
  const fresh = await openSqlite(':memory:', { create: true })
  let expected: Map<string, string | null>
  try {
    const { rows } = await sql<SchemaObject>`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`.execute(fresh.db)
    expected = new Map(rows.map((r) => [`${r.type} ${r.name}`, r.sql]))
  } finally {
    await fresh.store.close()
  }
  const found = db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").all() as SchemaObject[]
  for (const object of found) {
    const key = `${object.type} ${object.name}`
    if (!expected.has(key)) return `${object.type} "${object.name}"`
    const strict = object.type === 'trigger' || object.type === 'view'
    if (strict && expected.get(key) !== object.sql) return `${object.type} "${object.name}" (changed)`
  }
  return undefined
}

interface SchemaObject {
  readonly type: string
  readonly name: string
  readonly sql: string | null
}
