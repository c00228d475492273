import type { Db } from '../index.js'
import type { ProvisionCode } from '../schema/index.js'
import type { SyncDb } from '../sync.js'

/** Store a user's new code; it replaces any pending one (only the newest works). */
export async function replaceProvisionCode(db: Db, code: ProvisionCode): Promise<void> {
  const { code_hash, created_at, expires_at } = code
  await db
    .insertInto('provision_codes')
    .values(code)
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ code_hash, created_at, expires_at }))
    .execute()
}

/**
 * Remove and return the user's pending code in one statement: a provision attempt consumes it
 * whether it then succeeds or fails, and of two attempts at once only one gets it.
 */
export function takeProvisionCode(sql: SyncDb, userId: number): ProvisionCode | undefined {
  return sql.get<ProvisionCode>('DELETE FROM provision_codes WHERE user_id = ? RETURNING *', [userId])
}

export async function findProvisionCode(db: Db, userId: number): Promise<ProvisionCode | undefined> {
  return db.selectFrom('provision_codes').selectAll().where('user_id', '=', userId).executeTakeFirst()
}

export async function deleteProvisionCode(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('provision_codes').where('user_id', '=', userId).execute()
}
