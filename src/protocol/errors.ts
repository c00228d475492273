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
    /** Undefined: logged already, where the decision was made. */
    readonly log: LogLine | undefined,
  ) {
    super(log?.message ?? code ?? 'refused')
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
 * A refusal whose log line and audit row the domain has written already (a `login`,
 * domain/login.ts): the reply carries the code, or a plain FAIL when it is undefined.
 */
export class Refused extends AgentError {
  constructor(code: ErrorCode | undefined) {
    super(code, undefined)
  }
}
