import type { Db } from '../index.js'

export async function findMeta(db: Db, key: string): Promise<string | undefined> {
  return (await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst())?.value
}

/** Record a fact once; a second writer (another node) leaves the first value. */
export async function recordMeta(db: Db, key: string, value: string): Promise<void> {
  await db.insertInto('meta').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute()
}
