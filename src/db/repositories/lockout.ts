import type { SyncDb } from '../sync.js'

export interface FailedLogins {
  readonly failed_logins: number
  readonly locked_at: number | null
}

/**
 * Count one failed login and lock the user when the count reaches `maxTries` (0: no limit), in
 * one statement: concurrent failures each see the count the one before left, so none can slip
 * past the limit. Undefined when no user has `userId`.
 */
export function countFailedLogin(sql: SyncDb, userId: number, maxTries: number, now: number): FailedLogins | undefined {
  return sql.get<FailedLogins>(
    `UPDATE users SET failed_logins = failed_logins + 1,
      locked_at = CASE WHEN locked_at IS NULL AND ? > 0 AND failed_logins + 1 >= ? THEN ? ELSE locked_at END
    WHERE id = ? RETURNING failed_logins, locked_at`,
    [maxTries, maxTries, now, userId],
  )
}

/** A successful login, or a lock that has lapsed: the count starts again from zero. */
export function resetFailedLogins(sql: SyncDb, userId: number): void {
  sql.run('UPDATE users SET failed_logins = 0, locked_at = NULL WHERE id = ?', [userId])
}
