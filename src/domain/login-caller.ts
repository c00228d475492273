import type { Settings } from '../db/index.js'
import { auditEntryOf } from './audit.js'
import { type LoginLine, type LoginOutcome, type LoginRefused, lineOf } from './login-outcome.js'
import type { Proof } from './login-proof.js'
import type { Services } from './services.js'

/**
 * Who asks for a login (an agent through AgentXML, a NAS through RADIUS) and what they ask,
 * what the login grants the caller, and how the decision's line and audit row name it: the
 * front ends' side of the login (login.ts decides).
 */

/** Who asks for a login: an agent (AgentXML `login`) or a NAS (RADIUS). */
export interface LoginCaller {
  /**
   * Checks the caller against the settings the login's own read saw (one read serves both);
   * throws the front end's own refusal, and nothing is written.
   */
  authorise(settings: Settings): CallerGrant
  /** Where the request came from: the audit row's source. */
  readonly address: string
  /** The user's directory password as given, checked when the caller asks for it. */
  readonly password?: string | undefined
  /** Put before the line's legacy text: RADIUS's `From the IP Address: … NAS ID: … - `. */
  readonly logPrefix?: string
}

export interface CallerGrant {
  /** The audit row's actor. */
  readonly actor: { readonly agent: string } | { readonly nas: string }
  /** Whether a right code also needs the user's directory password (PINsafe's "check password with repository"). */
  readonly checkPassword: boolean
  /**
   * The password comes in the code's own field, before the code (RADIUS's one User-Password):
   * split by the user's PIN length (splitPasswordAndCode).
   */
  readonly passwordBeforeCode?: boolean
}

export interface LoginResult {
  readonly outcome: LoginOutcome
  /** The user as the log line names them. */
  readonly user: string
  /** A login that passed: the user's directory groups (RADIUS's --groups), none for a local user. */
  readonly groups?: readonly string[]
}

export function lineFor(caller: LoginCaller, decided: LoginRefused | { readonly name: string }): LoginLine {
  return prefixed(caller, lineOf(decided))
}

/** The line with the caller's prefix (RADIUS's `From the IP Address: … NAS ID: … - `). */
export function prefixed(caller: LoginCaller, line: LoginLine): LoginLine {
  return caller.logPrefix ? { ...line, message: caller.logPrefix + line.message } : line
}

/** The line, written once the decision and its audit row are committed; `audited`: the relay does not store it again. */
export function logged(services: Services, line: LoginLine, outcome: LoginOutcome, user: string): LoginResult {
  services.log[line.level]({ ...line.fields, audited: true }, line.message)
  return { outcome, user }
}

export function auditRow(services: Services, caller: LoginCaller, grant: CallerGrant, line: LoginLine) {
  const record = { ...line.fields, ...grant.actor, ip: caller.address, msg: line.message, level: line.level === 'info' ? 30 : 40 }
  const entry = auditEntryOf(record, services.now())
  if (!entry) throw new Error('a login line without an event')
  return { ...entry, node: services.node ?? null }
}

export interface LoginRequest {
  readonly user: string
  readonly otc: string
  /**
   * The directory password, checked (directory-password.ts) for a caller that asks for it:
   * 'wrong' fails a right code. Undefined: not checked (yet).
   */
  readonly directoryPassword?: 'ok' | 'wrong' | undefined
  /** An expired PIN still proves who the user is: the Change PIN page lets them choose a new one with it. */
  readonly allowExpiredPin?: boolean
  /** Instead of `otc`: the request proves a code of the batch (login-proof.ts); never with a directory password. */
  readonly proof?: Proof | undefined
}

/**
 * The caller wants the user's directory password checked, the code is right, and the password
 * was not checked yet: nothing was written. The caller checks it (a bind to the directory, which
 * cannot wait inside a unit) and tries again. Asked only when the code is right: a locked or
 * unknown user, or a code that is not right, never costs a bind, so nobody at a portal can drive
 * a user's bad-password count in the directory (Active Directory's lockout) with guesses.
 */
export class DirectoryPasswordNeeded extends Error {
  constructor(
    readonly user: string,
    readonly grant: CallerGrant,
    /** The password split off the code's field (CallerGrant.passwordBeforeCode). */
    readonly password: string | undefined,
  ) {
    super('the directory password is needed')
  }
}
