import { sql } from 'kysely'
import type { Db } from '../index.js'

export interface FailedLogins {
  readonly failed_logins: number
  readonly locked_at: number | null
}

/**
 * Count one failed login and lock the user when the count reaches `maxTries` (0: no limit), in
 * one statement: concurrent failures each see the count the one before left, so none can slip
 * past the limit. Undefined when no user has `userId`.
 */
export async function countFailedLogin(db: Db, userId: number, maxTries: number, now: number): Promise<FailedLogins | undefined> {
  return db
    .updateTable('users')
    .set((eb) => ({
      failed_logins: eb('failed_logins', '+', 1),
      locked_at: sql<number | null>`CASE WHEN locked_at IS NULL AND ${maxTries} > 0 AND failed_logins + 1 >= ${maxTries} THEN ${now} ELSE locked_at END`,
    }))
    .where('id', '=', userId)
    .returning(['failed_logins', 'locked_at'])
    .executeTakeFirst()
}

/** A successful login, or a lock that has lapsed: the count starts again from zero. */
export async function resetFailedLogins(db: Db, userId: number): Promise<void> {
  await db.updateTable('users').set({ failed_logins: 0, locked_at: null }).where('id', '=', userId).execute()
}
