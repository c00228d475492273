import { insertChallenge, takeChallenge } from '../db/repositories/radius-challenges.js'
import { findUserByKey } from '../db/repositories/users.js'
import { decrypt, encrypt, keyedHash, randomPoolBytes } from '../secrets.js'
import { messages } from '../protocol/messages.js'
import { checkDirectoryPassword } from './directory-password.js'
import { countFailure, lockState } from './lockout.js'
import { auditRow, type CallerGrant, type LoginCaller, type LoginResult, logged, prefixed } from './login-caller.js'
import { decoyFor } from './login-decoy.js'
import type { LoginLine } from './login-outcome.js'
import { login } from './login.js'
import { policiesFrom } from './policy.js'
import type { Services } from './services.js'
import { nameKey, notAUserName, shownName } from './user-names.js'

/**
 * RADIUS two-stage logins (PINsafe's "two stage authentication"): the first Access-Request
 * carries the user's directory password; when it is right the NAS gets an Access-Challenge whose
 * State is sealed here, and the second Access-Request brings the one-time code with that State.
 * The challenge is kept (a keyed hash of its nonce) until one request takes it, on any node: it
 * works once, for the NAS and the user it was made for, within `challengeLifetimeMs`.
 */
export const challengeLifetimeMs = 120_000

export type PasswordStageOutcome = 'challenged' | 'unknownUser' | 'locked' | 'wrongPassword' | 'lockedNow' | 'directoryUnavailable'

export interface PasswordStageResult {
  readonly outcome: PasswordStageOutcome
  readonly user: string
  /** The Access-Challenge's State, when challenged. */
  readonly state?: Buffer
}

/** The legacy line's reason for each refusal, as `Login failed for user: NAME, error: REASON`. */
const refusalTexts: Record<Exclude<PasswordStageOutcome, 'challenged'>, string> = {
  unknownUser: 'User not found',
  locked: 'User locked',
  wrongPassword: 'Invalid password',
  lockedNow: 'Maximum login tries exceeded',
  directoryUnavailable: 'Repository unavailable',
}

/**
 * The first stage. A locked user costs no bind (their directory's bad-password count is not
 * driven by guesses here); an unknown one costs a bind with a DN no entry has, as for the
 * AgentXML password check, so the two take alike. A wrong password counts towards the same
 * lockout as a wrong code.
 */
export async function passwordStage(services: Services, request: { user: string; password: string }, caller: LoginCaller, nasId: number): Promise<PasswordStageResult> {
  const settings = await services.store.settings()
  const grant = caller.authorise(settings)
  const unfit = request.user ? notAUserName(request.user) : 'no Username'
  if (unfit) return refused(services, caller, grant, 'unknownUser', shownName(request.user), unfit)
  const now = services.now()
  const found = await findUserByKey(services.db, nameKey(request.user))
  if (found && lockState(found, policiesFrom(settings), now) === 'locked') return refused(services, caller, grant, 'locked', found.name, 'user locked')
  const checked = await checkDirectoryPassword(services, request.user, request.password)
  if (checked === 'unavailable') return refused(services, caller, grant, 'directoryUnavailable', found?.name ?? request.user, 'the user repository could not be reached')
  // an unknown name takes the wrong password's road: the same unit, count and writes (a decoy's)
  if (!found || checked === 'wrong') return countWrongPassword(services, caller, grant, request.user)
  const nonce = randomPoolBytes(16).toString('hex')
  await insertChallenge(services.db, { nonce_hash: challengeHash(services, nonce), user_id: found.id, nas_id: nasId, expires_at: now + challengeLifetimeMs })
  const state = encrypt(services.keys, JSON.stringify({ n: nonce, k: nameKey(found.name), a: nasId, t: now }), stateContext)
  await record(services, caller, grant, { level: 'info', message: messages.passwordChecked(found.name), fields: { user: found.name, event: 'passwordChecked' } })
  return { outcome: 'challenged', user: found.name, state }
}

/**
 * The second stage: the State must be one this server sealed for this NAS and this user, not
 * older than `challengeLifetimeMs`, and not taken before; then the code is decided by the same
 * login as every other (the password was checked in the first stage).
 */
export async function challengeStage(services: Services, request: { user: string; otc: string; state: Buffer }, caller: LoginCaller, nasId: number): Promise<LoginResult> {
  const problem = await takeState(services, request, nasId)
  if (!problem) return login(services, { user: request.user, otc: request.otc }, caller)
  const grant = caller.authorise(await services.store.settings())
  const user = shownName(request.user)
  await record(services, caller, grant, { level: 'warn', message: messages.loginFailed(user, 'Invalid challenge'), fields: { user, event: 'loginFailed', reason: problem } })
  return { outcome: 'wrongCode', user }
}

const stateContext = 'radius-state'
const challengeHash = (services: Services, nonce: string) => keyedHash(services.keys, 'radius-challenge', nonce)

/** Why a State cannot be used, after taking its challenge; undefined: it can. */
async function takeState(services: Services, request: { user: string; state: Buffer }, nasId: number): Promise<string | undefined> {
  let sealed: { n?: unknown; k?: unknown; a?: unknown; t?: unknown }
  try {
    sealed = JSON.parse(decrypt(services.keys, request.state, stateContext))
  } catch {
    return 'a State this server did not make'
  }
  if (typeof sealed.n !== 'string' || sealed.a !== nasId || sealed.k !== nameKey(request.user)) return 'a State made for another NAS or user'
  const taken = await takeChallenge(services.db, challengeHash(services, sealed.n))
  if (!taken) return 'a State already used'
  if (taken.expires_at <= services.now()) return 'a State older than the challenge lifetime'
  return undefined
}

async function refused(services: Services, caller: LoginCaller, grant: CallerGrant, outcome: Exclude<PasswordStageOutcome, 'challenged'>, user: string, reason: string): Promise<PasswordStageResult> {
  await record(services, caller, grant, { level: 'warn', message: messages.loginFailed(user, refusalTexts[outcome]), fields: { user, event: 'loginFailed', reason } })
  return { outcome, user }
}

/**
 * A wrong directory password: counted in one unit with its audit row, as a wrong code is. An
 * unknown name does the same work on the decoy (login-decoy.ts), whose id no row has (issue
 * #25, item 14): one unit, a count written, an audit row.
 */
async function countWrongPassword(services: Services, caller: LoginCaller, grant: CallerGrant, name: string): Promise<PasswordStageResult> {
  const decided = await services.store.login(nameKey(name), (view, writes) => {
    const user = view.user ?? decoyFor(services).user
    const count = countFailure(user, policiesFrom(view.settings), services.now())
    writes.setFailures(user.id, count.failedLogins, count.lockedAt)
    const outcome = !view.user ? ('unknownUser' as const) : count.locked ? ('lockedNow' as const) : ('wrongPassword' as const)
    const shown = view.user?.name ?? name
    const fields = view.user
      ? { user: shown, event: 'loginFailed', reason: 'wrong directory password', failures: count.failedLogins }
      : { user: shown, event: 'loginFailed', reason: 'unknown user' }
    const line = prefixed(caller, { level: 'warn', message: messages.loginFailed(shown, refusalTexts[outcome]), fields })
    writes.audit(auditRow(services, caller, grant, line))
    return { outcome, line, user: shown }
  })
  logged(services, decided.line, 'wrongCode', decided.user)
  return { outcome: decided.outcome, user: decided.user }
}

/** The line, with the caller's prefix, and its audit row. */
async function record(services: Services, caller: LoginCaller, grant: CallerGrant, unprefixed: LoginLine): Promise<void> {
  const line = prefixed(caller, unprefixed)
  await services.store.insertAudit([auditRow(services, caller, grant, line)])
  logged(services, line, 'wrongCode', String(line.fields.user ?? ''))
}
