import { countFailedLogin, resetFailedLogins } from '../db/repositories/lockout.js'
import type { User } from '../db/schema/index.js'
import type { SyncDb } from '../db/sync.js'
import { type Policies, policiesOf } from './policy.js'
import type { Services } from './services.js'

/**
 * Lockout (spec §9): failed logins count up; the one that reaches "Maximum login tries" locks the
 * user; "Account lockout time (minutes)" lets the lock lapse (0: only `user unlock` clears it);
 * a successful login resets the count.
 */
export type LockState = 'open' | 'locked' | 'lapsed'

export const minute = 60_000

export function lockState(user: Pick<User, 'locked_at'>, policies: Policies, now: number): LockState {
  if (user.locked_at === null) return 'open'
  const minutes = policies['lockout-time']
  return minutes > 0 && now >= user.locked_at + minutes * minute ? 'lapsed' : 'locked'
}

/** When a locked user can try again; undefined while only an administrator can unlock. */
export function unlocksAt(user: Pick<User, 'locked_at'>, policies: Policies): number | undefined {
  const minutes = policies['lockout-time']
  return user.locked_at === null || minutes === 0 ? undefined : user.locked_at + minutes * minute
}

/** Whether `user` is locked now, by the policies in force: a lock past its lockout time has lapsed. */
export function lockedNow(services: Services, user: Pick<User, 'locked_at'>): boolean {
  return user.locked_at !== null && lockState(user, policiesOf(services), services.now()) === 'locked'
}

/** A lapsed lock is gone: the user starts again with no failures. */
export function clearLapsedLock(sql: SyncDb, userId: number): void {
  resetFailedLogins(sql, userId)
}

/**
 * Count a failure; `locked` is true when this failure reached the maximum. The caller holds the
 * transaction in which it saw the user unlocked, so a lock set here is this failure's doing.
 */
export function recordFailure(sql: SyncDb, userId: number, policies: Policies, now: number): { locked: boolean; failures: number } {
  const row = countFailedLogin(sql, userId, policies['max-login-tries'], now)
  return { locked: row?.locked_at != null, failures: row?.failed_logins ?? 0 }
}

export function recordSuccess(sql: SyncDb, user: Pick<User, 'id' | 'failed_logins'>): void {
  if (user.failed_logins > 0) resetFailedLogins(sql, user.id)
}
