import type { Db } from '../index.js'
import type { ProvisionCode } from '../schema/index.js'

/** Store a user's new code; it replaces any pending one (only the newest works). */
export async function replaceProvisionCode(db: Db, code: ProvisionCode): Promise<void> {
  const { code_hash, created_at, expires_at } = code
  await db
    .insertInto('provision_codes')
    .values(code)
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ code_hash, created_at, expires_at }))
    .execute()
}

export async function findProvisionCode(db: Db, userId: number): Promise<ProvisionCode | undefined> {
  return db.selectFrom('provision_codes').selectAll().where('user_id', '=', userId).executeTakeFirst()
}

export async function deleteProvisionCode(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('provision_codes').where('user_id', '=', userId).execute()
}
