import { messages } from '../protocol/messages.js'

/**
 * What a login decided, in the domain's own words. Each front end holds one small table from an
 * outcome to its reply: actions/login.ts to AgentXML's codes (docs/protocol.md §6), radius/ to
 * Access-Accept or Access-Reject.
 */
export type LoginOutcome =
  | 'passed'
  /** No such user, no name, or a name no user can have: never told apart from a wrong code. */
  | 'unknownUser'
  | 'noCode'
  /** The code cannot be a mobile code for this user (its length, no index). */
  | 'badCode'
  /** A wrong code, a used or unknown index, or a right code with a wrong directory password. */
  | 'wrongCode'
  | 'noPin'
  | 'pinExpired'
  | 'noStrings'
  | 'locked'
  /** The failure that reached the maximum tries: the user is locked from now on. */
  | 'lockedNow'
  /** The caller wants the directory password checked, and the directory could not be asked. */
  | 'directoryUnavailable'

export type Refusal = Exclude<LoginOutcome, 'passed'>

/** The legacy text's reason: "Login failed for user: alice, error: Invalid OTC". */
const failureTexts: Record<Refusal, string> = {
  unknownUser: 'User not found',
  noCode: 'No OTC',
  badCode: 'Bad OTC',
  wrongCode: 'Invalid OTC',
  noPin: 'No PIN',
  pinExpired: 'PIN expired',
  noStrings: 'No security strings',
  locked: 'User locked',
  lockedNow: 'Maximum login tries exceeded',
  directoryUnavailable: 'Repository unavailable',
}

/**
 * A refused login: the outcome, the user as the log names them, and what the log line says of
 * why (`reason`, `failures`, `unlocksAt`): never a code, a PIN or a string.
 */
export class LoginRefused extends Error {
  constructor(
    readonly outcome: Refusal,
    readonly user: string,
    readonly fields: Readonly<Record<string, unknown>>,
  ) {
    super(failureTexts[outcome])
  }

  /** The legacy text's reason ("Invalid OTC", "User locked"). */
  get failure(): string {
    return failureTexts[this.outcome]
  }
}

/** One login's log line, which is also its audit row (domain/audit.ts auditEntryOf). */
export interface LoginLine {
  readonly level: 'info' | 'warn'
  readonly message: string
  readonly fields: Readonly<Record<string, unknown>>
}

export function lineOf(decided: LoginRefused | { readonly name: string }): LoginLine {
  if (!(decided instanceof LoginRefused)) return { level: 'info', message: messages.loginOk(decided.name), fields: { user: decided.name, event: 'loginOk' } }
  return {
    level: 'warn',
    message: messages.loginFailed(decided.user, decided.failure),
    fields: { user: decided.user, event: 'loginFailed', ...decided.fields },
  }
}
