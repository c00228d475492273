import type { Db } from '../index.js'
import type { PinResetCode } from '../schema/index.js'

/** Store a user's new reset code; it replaces any pending one (only the newest works). */
export async function replacePinResetCode(db: Db, code: PinResetCode): Promise<void> {
  const { code_hash, created_at, expires_at } = code
  await db
    .insertInto('pin_reset_codes')
    .values(code)
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ code_hash, created_at, expires_at }))
    .execute()
}

/** Take the user's pending reset code, in the caller's transaction: whatever it was, it is gone. */
export async function takePinResetCode(db: Db, userId: number): Promise<PinResetCode | undefined> {
  return db.deleteFrom('pin_reset_codes').where('user_id', '=', userId).returningAll().executeTakeFirst()
}
