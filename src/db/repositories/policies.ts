import type { Db } from '../index.js'

/** The policies an administrator has set; the defaults live with the rules, not in the database. */
export async function readPolicyRows(db: Db): Promise<Map<string, string>> {
  const rows = await db.selectFrom('policies').select(['key', 'value']).execute()
  return new Map(rows.map((row) => [row.key, row.value]))
}

export async function writePolicy(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('policies')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute()
}
