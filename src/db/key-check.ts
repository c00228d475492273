import type { Kysely } from 'kysely'
import { KeyMismatch } from './errors.js'
import type { Database } from './schema/index.js'

const metaKey = 'key-check'

/**
 * Refuse a database made with another master key, before anything is written: every sealed
 * PIN, batch and message would be unreadable, and every agent secret would stop matching.
 * `check` is a value derived from the key (never the key), compared as stored.
 */
export async function assertKey(db: Kysely<Database>, check: string, where: string, hasMeta: () => Promise<boolean>): Promise<void> {
  if (!(await hasMeta())) return
  const row = await db.selectFrom('meta').select('value').where('key', '=', metaKey).executeTakeFirst()
  if (row && row.value !== check) {
    throw new KeyMismatch(`${where} was made with another master key: give the key it was made with (its key file, or AGENTXML_SECRET_KEY)`)
  }
}

/** Record the key's check value in a database that has none yet (new, or from before 005). */
export async function recordKey(db: Kysely<Database>, check: string, where: string): Promise<void> {
  await db.insertInto('meta').values({ key: metaKey, value: check }).onConflict((oc) => oc.column('key').doNothing()).execute()
  // two nodes with different keys starting at once on a new database: the second one stops here
  await assertKey(db, check, where, async () => true)
}
