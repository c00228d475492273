import type { Db } from '../index.js'
import type { SyncDb } from '../sync.js'

/** The policies an administrator has set; the defaults live with the rules, not in the database. */
export function readPolicyRows(sql: SyncDb): Map<string, string> {
  const rows = sql.all<{ key: string; value: string }>('SELECT key, value FROM policies')
  return new Map(rows.map((row) => [row.key, row.value]))
}

export async function writePolicy(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('policies')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute()
}
