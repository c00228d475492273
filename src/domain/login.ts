import type { LoginView, LoginWrites, Settings, User } from '../db/index.js'
import { checkDirectoryPassword } from './directory-password.js'
import { groupsOfUser } from './directory-plan.js'
import { auditRow, type CallerGrant, DirectoryPasswordNeeded, type LoginCaller, type LoginRequest, type LoginResult, lineFor, logged } from './login-caller.js'
import { decoyFor, openDecoyPin } from './login-decoy.js'
import { type Proof, provenIndex } from './login-proof.js'
import { type LoginLine, type LoginOutcome, LoginRefused } from './login-outcome.js'
import { countFailure, lockState, unlocksAt } from './lockout.js'
import { deriveCode, lastIndex, parseOtc, type PresentedOtc, presentedCodeLength, splitPasswordAndCode } from './otc.js'
import { pinExpiresAt } from './pins.js'
import { type Policies, policiesFrom } from './policy.js'
import { safeEqual } from '../secrets.js'
import { openBatch, openBatchString } from './security-strings.js'
import type { Services } from './services.js'
import { nameKey, notAUserName, shownName } from './user-names.js'
import { openPin } from './pin-seal.js'

export { type LoginOutcome, LoginRefused, type Proof }

/**
 * The login decision, for every front end (docs/protocol.md §3.4, §6, §9): every check (the
 * caller, the lock, the directory password, the code), then one log line and one audit row for
 * whatever the outcome. The audit row is committed with the decision (the burn, the count), so
 * no answered login can lack its row, even if the process dies right after the reply.
 */
export async function login(
  services: Services,
  request: { readonly user?: string | undefined; readonly otc?: string | undefined; readonly proof?: Proof | undefined },
  caller: LoginCaller,
): Promise<LoginResult> {
  const { user = '', otc = '', proof } = request
  const early = refusedUnread(user, otc, proof)
  if (early) {
    // the caller first, as for every request; nothing is read, so the row is written on its own
    const grant = caller.authorise(await services.store.settings())
    const line = lineFor(caller, early)
    await services.store.insertAudit([auditRow(services, caller, grant, line)])
    return logged(services, line, early.outcome, early.user)
  }
  try {
    return await decide(services, { user, otc, proof }, caller)
  } catch (err) {
    if (!(err instanceof DirectoryPasswordNeeded)) throw err
    // the caller wants the directory password, and the code is right: checked outside the unit
    // (it waits on the directory), then the unit runs again with the outcome
    const checked = await checkDirectoryPassword(services, user, err.password ?? caller.password)
    if (checked !== 'unavailable') return decide(services, { user, otc, directoryPassword: checked }, caller)
    // an outage is not the user's mistake: nothing is burnt or counted
    const refused = new LoginRefused('directoryUnavailable', err.user, { reason: 'the user repository could not be reached to check the password' })
    const line = lineFor(caller, refused)
    await services.store.insertAudit([auditRow(services, caller, err.grant, line)])
    return logged(services, line, refused.outcome, refused.user)
  }
}

/** A login refused before any read: no code, no name, or a name no user can have (the same plain refusal as an unknown one, logged truncated). */
function refusedUnread(user: string, otc: string, proof: Proof | undefined): LoginRefused | undefined {
  if (!otc && !proof) return new LoginRefused('noCode', shownName(user), { reason: 'no OTC element' })
  if (!user) return new LoginRefused('unknownUser', '', { reason: 'no Username' })
  const unfit = notAUserName(user)
  if (unfit) return new LoginRefused('unknownUser', shownName(user), { reason: unfit })
  return undefined
}

async function decide(services: Services, request: LoginRequest, caller: LoginCaller): Promise<LoginResult> {
  let line: LoginLine | undefined
  try {
    const { user, value: groups } = await checkCode(services, request, groupsOfUser, {
      authorise: (settings) => caller.authorise(settings),
      record(decided, grant, writes) {
        line = lineFor(caller, decided)
        writes.audit(auditRow(services, caller, grant, line))
      },
    })
    return { ...logged(services, line ?? lineFor(caller, { name: user }), 'passed', user), groups }
  } catch (err) {
    if (!(err instanceof LoginRefused) || !line) throw err
    return logged(services, line, err.outcome, err.user)
  }
}


/** What a unit is told of its caller; none (the Change PIN page) checks no caller and writes no audit row here. */
interface UnitCaller {
  authorise(settings: Settings): CallerGrant
  /** Called in the unit with what was decided: its audit row goes in with the decision's writes. */
  record(decided: LoginRefused | User, grant: CallerGrant, writes: LoginWrites): void
}

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
  readonly grant: CallerGrant | undefined
  readonly proof: Proof | undefined
}

interface BatchRef {
  readonly id: number
  readonly deviceId: number
  readonly sealed: Buffer
  isUsed(index: number): boolean
}

type UsableBatch = BatchRef & { usedCount(): number }

type Verdict = 'ok' | 'index out of range' | 'string already used' | 'wrong code' | 'wrong password'

/**
 * The login's check of a one-time code, and `then` when it is right: one unit of the store. The
 * user's row is read (and locked) first, so the presented string is burnt and the failure counted
 * before any other login of the user is looked at: of two logins with one code exactly one
 * passes. `then` runs inside the unit, its writes committed with the burn (a new PIN set with a
 * code, pin-change.ts). Resolves with the name as stored and what `then` returned; throws the
 * `LoginRefused`, after the burn and the count are committed. Logs nothing: the caller does.
 */
export async function checkCode<T>(
  services: Services,
  request: LoginRequest,
  then: (user: User, writes: LoginWrites) => T,
  caller?: UnitCaller,
): Promise<{ user: string; value: T }> {
  const outcome = await services.store.login<LoginRefused | { user: string; value: T }>(nameKey(request.user), (view, writes) => {
    const grant = caller?.authorise(view.settings)
    const checksPassword = grant?.checkPassword === true
    const attempt: Attempt = {
      services,
      writes,
      now: services.now(),
      policies: policiesFrom(view.settings),
      wrongPassword: checksPassword && request.directoryPassword === 'wrong',
      passwordUnchecked: checksPassword && request.directoryPassword === undefined,
      allowExpiredPin: request.allowExpiredPin === true,
      grant,
      proof: request.proof,
    }
    const checked = view.user ? checkUser(attempt, view, view.user, request.otc) : checkUnknown(attempt, request.user, grant?.passwordBeforeCode ? splitPasswordAndCode(request.otc, 4).code : request.otc)
    if (caller && grant) caller.record(checked, grant, writes)
    return checked instanceof LoginRefused ? checked : { user: checked.name, value: then(checked, writes) }
  })
  // thrown only now: the burnt string and the counted failure are committed
  if (outcome instanceof LoginRefused) throw outcome
  return outcome
}

/** The refusal, or the user who logged in. */
function checkUser(attempt: Attempt, view: LoginView, stored: User, otc: string): LoginRefused | User {
  const { policies, writes } = attempt
  const lock = lockState(stored, policies, attempt.now)
  // a locked user's attempts burn nothing and count nothing
  if (lock === 'locked') return new LoginRefused('locked', stored.name, { reason: 'user locked', unlocksAt: unlocksAt(stored, policies) })
  // a lapsed lock is gone: the user starts again with no failures
  const user = lock === 'lapsed' ? { ...stored, failed_logins: 0, locked_at: null } : stored
  if (lock === 'lapsed') writes.setFailures(user.id, 0, null)
  const pin = openPin(attempt.services, user)
  if (pin === undefined) return new LoginRefused('noPin', user.name, { reason: 'the user has no PIN' })
  const expiresAt = pinExpiresAt(user, policies)
  // like NO_PIN, nothing is burnt or counted: the user's way out is the Change PIN page
  if (expiresAt !== undefined && attempt.now >= expiresAt && !attempt.allowExpiredPin) return new LoginRefused('pinExpired', user.name, { reason: 'the PIN has expired' })
  const batch = usableBatch(view, user)
  if (!batch.ok) return new LoginRefused('noStrings', user.name, { reason: batch.reason })
  const refused = attempt.proof ? checkProof(attempt, batch, pin, user, attempt.proof) : checkPresented(attempt, batch, pin, user, otc)
  if (refused) return refused
  if (user.failed_logins > 0) writes.setFailures(user.id, 0, null)
  return user
}

/** The code as typed (PAP, AgentXML): its one string is burnt, right or wrong; the refusal, or undefined when it passes. */
function checkPresented(attempt: Attempt, batch: UsableBatch, pin: string, user: User, otc: string): LoginRefused | undefined {
  const field = attempt.grant?.passwordBeforeCode ? splitPasswordAndCode(otc, pin.length) : { code: otc, password: undefined }
  const presented = parseOtc(field.code, pin.length)
  const fresh = isFresh(batch, presented)
  // a fresh string proves that one is left: the burnt ones are counted only when it is not
  if (!fresh && batch.usedCount() >= lastIndex) return new LoginRefused('noStrings', user.name, { reason: 'every string of the batch used' })
  if (!presented) return counted(attempt, user, 'badCode', 'not a mobile code for this user')
  const presentedVerdict = presentString(attempt, batch, pin, presented, fresh)
  // thrown, so the unit writes nothing: the burn and the count come with the password's outcome
  if (presentedVerdict === 'ok' && attempt.passwordUnchecked && attempt.grant) throw new DirectoryPasswordNeeded(user.name, attempt.grant, field.password)
  // a right code with a wrong directory password is a wrong code: burnt, counted, plain FAIL
  const verdict = presentedVerdict === 'ok' && attempt.wrongPassword ? 'wrong password' : presentedVerdict
  return verdict === 'ok' ? undefined : counted(attempt, user, 'wrongCode', verdict)
}

/**
 * A code proven rather than typed (CHAP, MS-CHAP): the one unused string the proof names is
 * burnt; a proof that names none burns nothing (it names no string to burn) and is a wrong code.
 */
function checkProof(attempt: Attempt, batch: UsableBatch, pin: string, user: User, proof: Proof): LoginRefused | undefined {
  // the caller's grant is read in the unit: a NAS changed to want the password meanwhile
  if (attempt.passwordUnchecked || attempt.wrongPassword) throw new Error('a login by proof carries no directory password')
  const found = provenIndex(openBatch(attempt.services, batch.deviceId, batch.sealed), pin, (index) => batch.isUsed(index), proof)
  if ('index' in found) {
    attempt.writes.burn(batch.id, found.index, attempt.now)
    return undefined
  }
  if (batch.usedCount() >= lastIndex) return new LoginRefused('noStrings', user.name, { reason: 'every string of the batch used' })
  return counted(attempt, user, 'wrongCode', found.reason)
}

/**
 * An unknown user must not be told apart from a wrong code (docs/protocol.md §6): same plain FAIL, and the
 * same work on the way, so no early return shows on a stopwatch. The one read has already run,
 * as for a real user; then this walks checkUser's road for a wrong code against a decoy
 * (login-decoy.ts): a PIN is decrypted, the code parsed, the burn written, a batch decrypted, a
 * code derived and compared in constant time, the failure counted and written. Both writes name
 * id 0, which no row has, so what remains different is the page write a real failure commits:
 * microseconds, under the jitter of one HTTP exchange. A proof (CHAP, MS-CHAP) is tried against
 * every string of the decoy's batch, as a wrong one is against a user's; the user's 99 reads of
 * which strings are used are not made for the decoy, whose batch no row holds.
 *
 * BAD_OTC, NO_PIN, NO_SECURITY_STRINGS and USER_LOCKED stay as docs/protocol.md §6 lists them: they do tell
 * an agent that the user exists, as `reprovision` (NO_USER_FOUND) and `TokenIndex` already do.
 * Agents are trusted callers; what an end user at a portal sees is up to the portal.
 */
function checkUnknown(attempt: Attempt, userName: string, otc: string): LoginRefused {
  const decoy = decoyFor(attempt.services)
  // a proof is tried against every string, with a PIN as long as a new one is
  const pin = openDecoyPin(attempt.services, decoy, attempt.proof ? attempt.policies['pin-length'] : presentedCodeLength(otc))
  const presented = attempt.proof ? undefined : parseOtc(otc, pin.length)
  if (attempt.proof) provenIndex(openBatch(attempt.services, decoy.batch.deviceId, decoy.batch.sealed), pin, decoy.batch.isUsed, attempt.proof)
  if (presented) presentString(attempt, decoy.batch, pin, presented, isFresh(decoy.batch, presented))
  if (presented || attempt.proof) {
    const count = countFailure(decoy.user, attempt.policies, attempt.now)
    attempt.writes.setFailures(decoy.user.id, count.failedLogins, count.lockedAt)
  }
  return new LoginRefused('unknownUser', userName, { reason: 'unknown user' })
}

/** The user's current batch, if there is one (docs/protocol.md §6, NO_SECURITY_STRINGS; checkUser asks whether a string is left). */
function usableBatch(view: LoginView, user: User): ({ ok: true } & UsableBatch) | { ok: false; reason: string } {
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
function counted(attempt: Attempt, user: User, outcome: 'badCode' | 'wrongCode', reason: string): LoginRefused {
  const count = countFailure(user, attempt.policies, attempt.now)
  attempt.writes.setFailures(user.id, count.failedLogins, count.lockedAt)
  if (count.locked) return new LoginRefused('lockedNow', user.name, { reason, failures: count.failedLogins })
  return new LoginRefused(outcome, user.name, { reason, failures: count.failedLogins })
}
