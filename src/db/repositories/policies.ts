import type { Db } from '../index.js'

/** Store one policy (the defaults live with the rules; reads come with the settings, see store.ts). */
export async function writePolicy(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('policies')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute()
}
