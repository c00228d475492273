import type { User } from '../db/index.js'
import { findLoginAccount, type LoginAccount } from '../db/repositories/login-accounts.js'
import { burnString } from '../db/repositories/string-batches.js'
import { inWriteBatch, type SyncDb } from '../db/sync.js'
import { BadOtc, InvalidOtc, LoginFailure, LoginTriesExceeded, NoPin, NoSecurityStrings, UserLocked } from '../protocol/errors.js'
import { messages } from '../protocol/messages.js'
import { safeEqual } from '../secrets.js'
import { decoyFor, openDecoyPin } from './login-decoy.js'
import { clearLapsedLock, lockState, recordFailure, recordSuccess, unlocksAt } from './lockout.js'
import { deriveCode, lastIndex, parseOtc, type PresentedOtc, presentedCodeLength } from './otc.js'
import { type Policies, policiesOf } from './policy.js'
import { openBatch } from './security-strings.js'
import type { Services } from './services.js'
import { openPin } from './users.js'

export interface LoginRequest {
  readonly user: string
  readonly otc: string
  /** The directory password check of the agent (directory-password.ts), done before: 'wrong' fails a right code. */
  readonly directoryPassword?: 'ok' | 'wrong' | 'not required'
}

/** One login being checked, inside its transaction. */
interface Attempt {
  readonly services: Services
  readonly sql: SyncDb
  readonly now: number
  /** Read when a rule needs them (lockout, counting): a right code needs none. */
  policies(): Policies
}

interface BatchRef {
  readonly id: number
  readonly deviceId: number
  readonly sealed: Buffer
}

type Verdict = 'ok' | 'index out of range' | 'string already used' | 'wrong code'

/**
 * Verify a mobile one-time code (spec §3.4, §6, §9). Resolves on success; throws the
 * `LoginFailure` the reply and the log line are made from. Everything happens in one
 * transaction, so the presented string is burnt and the failure counted before any other login
 * of the user is looked at: of two logins with one code exactly one passes.
 */
export async function verifyLogin(services: Services, request: LoginRequest): Promise<void> {
  const failure = await inWriteBatch(services.db, (sql) => {
    let policies: Policies | undefined
    const attempt: Attempt = { services, sql, now: services.now(), policies: () => (policies ??= policiesOf(services, sql)) }
    const account = findLoginAccount(sql, request.user)
    return account ? checkUser(attempt, account, request.otc, request.directoryPassword === 'wrong') : checkUnknown(attempt, request)
  })
  // thrown only now: the burnt string and the counted failure are committed
  if (failure) throw failure
  services.log.info({ user: request.user, event: 'loginOk' }, messages.loginOk(request.user))
}

function checkUser(attempt: Attempt, account: LoginAccount, otc: string, wrongPassword: boolean): LoginFailure | undefined {
  const { user } = account
  if (user.locked_at !== null) {
    const policies = attempt.policies()
    // a locked user's attempts burn nothing and count nothing
    if (lockState(user, policies, attempt.now) === 'locked') return new UserLocked(user.name, { unlocksAt: unlocksAt(user, policies) })
    clearLapsedLock(attempt.sql, user.id)
  }
  const pin = openPin(attempt.services, user)
  if (pin === undefined) return new NoPin(user.name)
  const batch = usableBatch(account)
  if (!batch.ok) return new NoSecurityStrings(user.name, batch.reason)
  const presented = parseOtc(otc, pin.length)
  if (!presented) return counted(attempt, user, 'not a mobile code for this user', (fields) => new BadOtc(user.name, fields))
  const presentedVerdict = presentString(attempt, batch, pin, presented)
  // a right code with a wrong directory password is a wrong code: burnt, counted, plain FAIL
  const verdict = presentedVerdict === 'ok' && wrongPassword ? 'wrong password' : presentedVerdict
  if (verdict !== 'ok') return counted(attempt, user, verdict, (fields) => new InvalidOtc(user.name, verdict, fields))
  recordSuccess(attempt.sql, { id: user.id, failed_logins: user.locked_at === null ? user.failed_logins : 0 })
  return undefined
}

/**
 * An unknown user must not be told apart from a wrong code (spec §6): same plain FAIL, and the
 * same work on the way, so no early return shows on a stopwatch. The one lookup statement has
 * already run, as for a real user; then this walks checkUser's road for a wrong code against a
 * decoy (login-decoy.ts): a PIN is decrypted, the code parsed, the burn statement run, a batch
 * decrypted, a code derived and compared in constant time, the policies read and the
 * failure-count statement run. Both statements touch no row (nothing has id 0), so what remains
 * different is the page write a real failure commits: microseconds, under the jitter of one
 * HTTP exchange.
 *
 * BAD_OTC, NO_PIN, NO_SECURITY_STRINGS and USER_LOCKED stay as spec §6 lists them: they do tell
 * an agent that the user exists, as `reprovision` (NO_USER_FOUND) and `TokenIndex` already do.
 * Agents are trusted callers; what an end user at a portal sees is up to the portal.
 */
function checkUnknown(attempt: Attempt, request: LoginRequest): LoginFailure {
  const decoy = decoyFor(attempt.services)
  const pin = openDecoyPin(attempt.services, decoy, presentedCodeLength(request.otc))
  const presented = parseOtc(request.otc, pin.length)
  if (presented) {
    presentString(attempt, decoy.batch, pin, presented)
    recordFailure(attempt.sql, decoy.userId, attempt.policies(), attempt.now)
  }
  return new LoginFailure(undefined, request.user, 'User not found', { reason: 'unknown user' })
}

/** The account's current batch, if it has a string left (spec §6, NO_SECURITY_STRINGS). */
function usableBatch(account: LoginAccount): ({ ok: true } & BatchRef) | { ok: false; reason: string } {
  if (account.user.mobile !== 1) return { ok: false, reason: 'no mobile right' }
  if (account.deviceId === null) return { ok: false, reason: 'no device' }
  if (account.batchId === null || account.strings === null) return { ok: false, reason: 'no batch downloaded' }
  if (account.used >= lastIndex) return { ok: false, reason: 'every string of the batch used' }
  return { ok: true, id: account.batchId, deviceId: account.deviceId, sealed: account.strings }
}

/**
 * Burn the presented index, then compare in constant time: right or wrong, the string is spent
 * (spec §3.4). An index no string has (00, 100 and up) burns nothing, and is compared against the
 * filler so that it costs the same; the filler never authenticates.
 */
function presentString(attempt: Attempt, batch: BatchRef, pin: string, presented: PresentedOtc): Verdict {
  const { index } = presented
  const fresh = index !== undefined && burnString(attempt.sql, batch.id, index, attempt.now)
  const string = openBatch(attempt.services, batch.deviceId, batch.sealed)[index ?? 0] ?? ''
  const match = safeEqual(Buffer.from(deriveCode(string, pin)), Buffer.from(presented.code))
  if (index === undefined) return 'index out of range'
  if (!fresh) return 'string already used'
  return match ? 'ok' : 'wrong code'
}

/** A failure that counts towards "Maximum login tries"; the one that reaches it locks the user. */
function counted(attempt: Attempt, user: User, reason: string, refuse: (fields: Record<string, unknown>) => LoginFailure): LoginFailure {
  const { locked, failures } = recordFailure(attempt.sql, user.id, attempt.policies(), attempt.now)
  if (locked) return new LoginTriesExceeded(user.name, { reason, failures })
  return refuse({ failures })
}
