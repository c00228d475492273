import { messages } from './messages.js'

/**
 * The error catalogue (docs/protocol.md §6): every code a reply can carry and when. `AgentError` and its
 * subclasses are the only way a reply gets an `<Error>`; anything else thrown becomes
 * `AGENT_ERROR_GENERAL` with the cause only in the log.
 */
export const errorCatalogue = {
  AGENT_ERROR_GENERAL:
    'not well-formed XML, root is not SASRequest, Version or Action missing, unknown action, internal error',
  AGENT_ERROR_AGENT_ACCESS: 'agent action from an unknown address or with a wrong secret; non-mobile action on /proxy',
  PROVISION_FAILURE: 'any failed provision',
  AGENT_ERROR_NO_USER_FOUND: 'SecurityStrings with an unknown or superseded Id; reprovision of an unknown user',
  AGENT_ERROR_NO_OTC: 'login without OTC',
  AGENT_ERROR_BAD_OTC: 'login whose OTC cannot be a mobile code for this user (wrong length, no index)',
  AGENT_ERROR_NO_SECURITY_STRINGS: 'login for a user with no device or no unused string in the current batch',
  AGENT_ERROR_NO_PIN: 'login for a user without a PIN',
  AGENT_ERROR_PIN_EXPIRED: 'login for a user whose PIN is older than the pin-expiry-days policy (the user changes it on the Change PIN page)',
  AGENT_ERROR_USER_LOCKED: 'login for a locked user',
  AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED: 'the failed login that reaches the maximum tries (the user is now locked)',
} as const

export type ErrorCode = keyof typeof errorCatalogue

export interface LogLine {
  readonly event?: string
  readonly level: 'info' | 'warn' | 'error'
  readonly message: string
  readonly fields?: Readonly<Record<string, unknown>>
}

/** A failure the client is told about. `code` undefined means a plain FAIL (docs/protocol.md §3.4). */
export class AgentError extends Error {
  constructor(
    readonly code: ErrorCode | undefined,
    readonly log: LogLine,
  ) {
    super(log.message)
  }
}

export class GeneralError extends AgentError {
  constructor(cause: string) {
    super('AGENT_ERROR_GENERAL', { level: 'warn', message: messages.requestFailed(cause) })
  }
}

export class AgentAccessDenied extends AgentError {
  constructor() {
    super('AGENT_ERROR_AGENT_ACCESS', { event: 'agentRefused', level: 'warn', message: messages.agentRefused() })
  }
}

/** Every failed provision looks the same on the wire; `log` says which rule refused it. */
export class ProvisionFailure extends AgentError {
  constructor(log: LogLine) {
    super('PROVISION_FAILURE', log)
  }
}

export class NoUserFound extends AgentError {
  constructor(log: LogLine) {
    super('AGENT_ERROR_NO_USER_FOUND', log)
  }
}

/**
 * A failed `login` (docs/protocol.md §3.4, §6). The message is the legacy "Login failed for user: alice,
 * error: <reason>"; the `reason` field says which rule refused it. Never an OTC, PIN or string.
 */
export class LoginFailure extends AgentError {
  constructor(
    code: ErrorCode | undefined,
    user: string,
    /** The legacy text's reason ("Invalid OTC", "User locked"). */
    readonly failure: string,
    fields: Readonly<Record<string, unknown>> = {},
  ) {
    super(code, { event: 'loginFailed', level: 'warn', message: messages.loginFailed(user, failure), fields: { user, ...fields } })
  }
}

/** A wrong code, a used or unknown index, an unknown user: a plain FAIL, alike for all (docs/protocol.md §6). */
export class InvalidOtc extends LoginFailure {
  constructor(user: string, reason: string, fields: Readonly<Record<string, unknown>> = {}) {
    super(undefined, user, 'Invalid OTC', { reason, ...fields })
  }
}

export class NoOtc extends LoginFailure {
  constructor(user: string) {
    super('AGENT_ERROR_NO_OTC', user, 'No OTC', { reason: 'no OTC element' })
  }
}

export class BadOtc extends LoginFailure {
  constructor(user: string, fields: Readonly<Record<string, unknown>> = {}) {
    super('AGENT_ERROR_BAD_OTC', user, 'Bad OTC', { reason: 'not a mobile code for this user', ...fields })
  }
}

export class NoSecurityStrings extends LoginFailure {
  constructor(user: string, reason: string) {
    super('AGENT_ERROR_NO_SECURITY_STRINGS', user, 'No security strings', { reason })
  }
}

export class NoPin extends LoginFailure {
  constructor(user: string) {
    super('AGENT_ERROR_NO_PIN', user, 'No PIN', { reason: 'the user has no PIN' })
  }
}

export class PinExpired extends LoginFailure {
  constructor(user: string) {
    super('AGENT_ERROR_PIN_EXPIRED', user, 'PIN expired', { reason: 'the PIN has expired' })
  }
}

export class UserLocked extends LoginFailure {
  constructor(user: string, fields: Readonly<Record<string, unknown>> = {}) {
    super('AGENT_ERROR_USER_LOCKED', user, 'User locked', { reason: 'user locked', ...fields })
  }
}

export class LoginTriesExceeded extends LoginFailure {
  constructor(user: string, fields: Readonly<Record<string, unknown>> = {}) {
    super('AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED', user, 'Maximum login tries exceeded', fields)
  }
}
