import type { Db } from '../index.js'

/** Store one delivery setting, its text or its text sealed (reads come with the settings, see store.ts). */
export async function writeDeliverySetting(db: Db, key: string, stored: { value: string; sealed?: undefined } | { value?: undefined; sealed: Buffer }): Promise<void> {
  const row = { value: stored.value ?? null, sealed: stored.sealed ?? null }
  await db
    .insertInto('delivery_settings')
    .values({ key, ...row })
    .onConflict((oc) => oc.column('key').doUpdateSet(row))
    .execute()
}

/** Remove a delivery setting: the built-in default (or a node's flag) applies again. */
export async function deleteDeliverySetting(db: Db, key: string): Promise<boolean> {
  const result = await db.deleteFrom('delivery_settings').where('key', '=', key).executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
