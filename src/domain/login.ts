import type { Agent, LoginView, LoginWrites, Settings, User } from '../db/index.js'
import { BadOtc, InvalidOtc, LoginFailure, LoginTriesExceeded, NoPin, NoSecurityStrings, PinExpired, UserLocked } from '../protocol/errors.js'
import { messages } from '../protocol/messages.js'
import { safeEqual } from '../secrets.js'
import { decoyFor, openDecoyPin } from './login-decoy.js'
import { countFailure, lockState, unlocksAt } from './lockout.js'
import { deriveCode, lastIndex, parseOtc, type PresentedOtc, presentedCodeLength } from './otc.js'
import { pinExpiresAt } from './pins.js'
import { type Policies, policiesFrom } from './policy.js'
import { openBatchString } from './security-strings.js'
import type { Services } from './services.js'
import { nameKey } from './user-names.js'
import { openPin } from './pin-seal.js'

export interface LoginRequest {
  readonly user: string
  readonly otc: string
  /**
   * The directory password, checked (directory-password.ts) for an agent marked `--check-password`:
   * 'wrong' fails a right code. Undefined: not checked (yet).
   */
  readonly directoryPassword?: 'ok' | 'wrong' | undefined
  /** An expired PIN still proves who the user is: the Change PIN page lets them choose a new one with it. */
  readonly allowExpiredPin?: boolean
}

/**
 * Checks the caller before anything else, with the settings the login's own read saw (the
 * agent's secret and networks, see actions/dispatch.ts); throws to refuse, and nothing is written.
 */
export type Authorise = (settings: Settings) => Agent

/**
 * The agent wants the user's directory password checked, the code is right, and the password
 * was not checked yet: nothing was written. The caller checks it (a bind to the directory, which
 * cannot wait inside a unit) and tries again. Asked only when the code is right: a locked or
 * unknown user, or a code that is not right, never costs a bind, so nobody at a portal can drive
 * a user's bad-password count in the directory (Active Directory's lockout) with guesses.
 */
export class DirectoryPasswordNeeded extends Error {}

/** One login being decided. */
interface Attempt {
  readonly services: Services
  readonly writes: LoginWrites
  readonly now: number
  readonly policies: Policies
  /** A right code still fails: the directory password was wrong. */
  readonly wrongPassword: boolean
  /** A right code needs the directory password checked first (DirectoryPasswordNeeded). */
  readonly passwordUnchecked: boolean
  readonly allowExpiredPin: boolean
}

interface BatchRef {
  readonly id: number
  readonly deviceId: number
  readonly sealed: Buffer
  isUsed(index: number): boolean
}

type Verdict = 'ok' | 'index out of range' | 'string already used' | 'wrong code' | 'wrong password'

/**
 * Verify a mobile one-time code (docs/protocol.md §3.4, §6, §9). Resolves on success; throws the
 * `LoginFailure` the reply and the log line are made from.
 */
export async function verifyLogin(services: Services, request: LoginRequest, authorise?: Authorise): Promise<void> {
  const { user } = await checkCode(services, request, () => undefined, authorise)
  services.log.info({ user, event: 'loginOk' }, messages.loginOk(user))
}

/**
 * The login's check of a one-time code, and `then` when it is right: one unit of the store. The
 * user's row is read (and locked) first, so the presented string is burnt and the failure counted
 * before any other login of the user is looked at: of two logins with one code exactly one
 * passes. `then` runs inside the unit, its writes committed with the burn (a new PIN set with a
 * code, pin-change.ts). Resolves with the name as stored and what `then` returned; throws the
 * `LoginFailure`, after the burn and the count are committed. Logs nothing: the caller does.
 */
export async function checkCode<T>(
  services: Services,
  request: LoginRequest,
  then: (user: User, writes: LoginWrites) => T,
  authorise?: Authorise,
): Promise<{ user: string; value: T }> {
  const outcome = await services.store.login<LoginFailure | { user: string; value: T }>(nameKey(request.user), (view, writes) => {
    const agent = authorise?.(view.settings)
    const checksPassword = agent?.check_password === 1
    const attempt: Attempt = {
      services,
      writes,
      now: services.now(),
      policies: policiesFrom(view.settings),
      wrongPassword: checksPassword && request.directoryPassword === 'wrong',
      passwordUnchecked: checksPassword && request.directoryPassword === undefined,
      allowExpiredPin: request.allowExpiredPin === true,
    }
    const checked = view.user ? checkUser(attempt, view, view.user, request.otc) : checkUnknown(attempt, request)
    return checked instanceof LoginFailure ? checked : { user: checked.name, value: then(checked, writes) }
  })
  // thrown only now: the burnt string and the counted failure are committed
  if (outcome instanceof LoginFailure) throw outcome
  return outcome
}

/** The refusal, or the user who logged in. */
function checkUser(attempt: Attempt, view: LoginView, stored: User, otc: string): LoginFailure | User {
  const { policies, writes } = attempt
  const lock = lockState(stored, policies, attempt.now)
  // a locked user's attempts burn nothing and count nothing
  if (lock === 'locked') return new UserLocked(stored.name, { unlocksAt: unlocksAt(stored, policies) })
  // a lapsed lock is gone: the user starts again with no failures
  const user = lock === 'lapsed' ? { ...stored, failed_logins: 0, locked_at: null } : stored
  if (lock === 'lapsed') writes.setFailures(user.id, 0, null)
  const pin = openPin(attempt.services, user)
  if (pin === undefined) return new NoPin(user.name)
  const expiresAt = pinExpiresAt(user, policies)
  // like NO_PIN, nothing is burnt or counted: the user's way out is the Change PIN page
  if (expiresAt !== undefined && attempt.now >= expiresAt && !attempt.allowExpiredPin) return new PinExpired(user.name)
  const batch = usableBatch(view, user)
  if (!batch.ok) return new NoSecurityStrings(user.name, batch.reason)
  const presented = parseOtc(otc, pin.length)
  const fresh = isFresh(batch, presented)
  // a fresh string proves that one is left: the burnt ones are counted only when it is not
  if (!fresh && batch.usedCount() >= lastIndex) return new NoSecurityStrings(user.name, 'every string of the batch used')
  if (!presented) return counted(attempt, user, 'not a mobile code for this user', (fields) => new BadOtc(user.name, fields))
  const presentedVerdict = presentString(attempt, batch, pin, presented, fresh)
  // thrown, so the unit writes nothing: the burn and the count come with the password's outcome
  if (presentedVerdict === 'ok' && attempt.passwordUnchecked) throw new DirectoryPasswordNeeded()
  // a right code with a wrong directory password is a wrong code: burnt, counted, plain FAIL
  const verdict = presentedVerdict === 'ok' && attempt.wrongPassword ? 'wrong password' : presentedVerdict
  if (verdict !== 'ok') return counted(attempt, user, verdict, (fields) => new InvalidOtc(user.name, verdict, fields))
  if (user.failed_logins > 0) writes.setFailures(user.id, 0, null)
  return user
}

/**
 * An unknown user must not be told apart from a wrong code (docs/protocol.md §6): same plain FAIL, and the
 * same work on the way, so no early return shows on a stopwatch. The one read has already run,
 * as for a real user; then this walks checkUser's road for a wrong code against a decoy
 * (login-decoy.ts): a PIN is decrypted, the code parsed, the burn written, a batch decrypted, a
 * code derived and compared in constant time, the failure counted and written. Both writes name
 * id 0, which no row has, so what remains different is the page write a real failure commits:
 * microseconds, under the jitter of one HTTP exchange.
 *
 * BAD_OTC, NO_PIN, NO_SECURITY_STRINGS and USER_LOCKED stay as docs/protocol.md §6 lists them: they do tell
 * an agent that the user exists, as `reprovision` (NO_USER_FOUND) and `TokenIndex` already do.
 * Agents are trusted callers; what an end user at a portal sees is up to the portal.
 */
function checkUnknown(attempt: Attempt, request: LoginRequest): LoginFailure {
  const decoy = decoyFor(attempt.services)
  const pin = openDecoyPin(attempt.services, decoy, presentedCodeLength(request.otc))
  const presented = parseOtc(request.otc, pin.length)
  if (presented) {
    presentString(attempt, decoy.batch, pin, presented, isFresh(decoy.batch, presented))
    const count = countFailure(decoy.user, attempt.policies, attempt.now)
    attempt.writes.setFailures(decoy.user.id, count.failedLogins, count.lockedAt)
  }
  return new LoginFailure(undefined, request.user, 'User not found', { reason: 'unknown user' })
}

/** The user's current batch, if there is one (docs/protocol.md §6, NO_SECURITY_STRINGS; checkUser asks whether a string is left). */
function usableBatch(view: LoginView, user: User): ({ ok: true; usedCount(): number } & BatchRef) | { ok: false; reason: string } {
  if (user.mobile !== 1) return { ok: false, reason: 'no mobile right' }
  if (view.deviceId === null) return { ok: false, reason: 'no device' }
  if (view.batch === null) return { ok: false, reason: 'no batch downloaded' }
  return { ok: true, ...view.batch, deviceId: view.deviceId }
}

/**
 * Burn the presented index, then compare in constant time: right or wrong, the string is spent
 * (docs/protocol.md §3.4). An index no string has (00, 100 and up) burns nothing, and is compared against the
 * filler so that it costs the same; the filler never authenticates.
 */
function presentString(attempt: Attempt, batch: BatchRef, pin: string, presented: PresentedOtc, fresh: boolean): Verdict {
  const { index } = presented
  if (index !== undefined) attempt.writes.burn(batch.id, index, attempt.now)
  const string = openBatchString(attempt.services, batch.deviceId, batch.sealed, index ?? 0)
  const match = safeEqual(Buffer.from(deriveCode(string, pin)), Buffer.from(presented.code))
  if (index === undefined) return 'index out of range'
  if (!fresh) return 'string already used'
  return match ? 'ok' : 'wrong code'
}

/** Whether the presented code names a string of the batch not burnt yet; asked before the burn (on SQLite it is written at once). */
function isFresh(batch: BatchRef, presented: PresentedOtc | undefined): boolean {
  return presented?.index !== undefined && !batch.isUsed(presented.index)
}

/** A failure that counts towards "Maximum login tries"; the one that reaches it locks the user. */
function counted(attempt: Attempt, user: User, reason: string, refuse: (fields: Record<string, unknown>) => LoginFailure): LoginFailure {
  const count = countFailure(user, attempt.policies, attempt.now)
  attempt.writes.setFailures(user.id, count.failedLogins, count.lockedAt)
  if (count.locked) return new LoginTriesExceeded(user.name, { reason, failures: count.failedLogins })
  return refuse({ failures: count.failedLogins })
}
