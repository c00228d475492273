import type { User } from '../db/index.js'
import type { Policies } from './policy.js'

/**
 * Lockout (docs/protocol.md §9): failed logins count up; the one that reaches "Maximum login tries" locks the
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

/** Whether `user` is locked now by these policies: a lock past its lockout time has lapsed. */
export function lockedNow(user: Pick<User, 'locked_at'>, policies: Policies, now: number): boolean {
  return lockState(user, policies, now) === 'locked'
}

export interface FailureCount {
  readonly failedLogins: number
  readonly lockedAt: number | null
  /** This failure reached the maximum and locked the user. */
  readonly locked: boolean
}

/**
 * One more failure for a user seen unlocked (or with a lapsed lock, which starts the count
 * again) in the transaction that counts it: the row is locked (PostgreSQL) or the write lock
 * held (SQLite), so no other failure is counted in between and none slips past the limit.
 */
export function countFailure(user: Pick<User, 'failed_logins' | 'locked_at'>, policies: Policies, now: number): FailureCount {
  const maxTries = policies['max-login-tries']
  const failedLogins = (user.locked_at === null ? user.failed_logins : 0) + 1
  const locked = maxTries > 0 && failedLogins >= maxTries
  return { failedLogins, lockedAt: locked ? now : null, locked }
}
