/**
 * The AdminXML error catalogue: the codes a `<Result>` of an `<AdminResponse>` can carry. The
 * first two refuse the whole request, as in AgentXML (docs/protocol.md §6); the rest fail one operation.
 */
export const adminErrorCatalogue = {
  AGENT_ERROR_GENERAL:
    'the whole request: not well-formed XML, root is not AdminRequest, Version missing, an unknown or repeated element; one operation: an internal error',
  AGENT_ERROR_AGENT_ACCESS: 'the whole request: not from an admin agent (unknown address, wrong secret, or an agent without the AdminXML right)',
  AGENT_ERROR_NO_USER_FOUND: 'Read, Update, Delete, Reprovision or Unlock of a user that does not exist; Reprovision of a user without the mobile right',
  AGENT_ERROR_USER_EXISTS: 'Create of a user that already exists',
  AGENT_ERROR_INVALID_VALUE: 'a missing or invalid user name, PIN, transport or destination',
  AGENT_ERROR_NO_DESTINATION:
    'Reprovision of a user whose transport has nowhere to send (email without an address, sms without a phone number) or cannot send from this server (no SMTP server or SMS gateway configured)',
} as const

export type AdminErrorCode = keyof typeof adminErrorCatalogue

/** One operation failed; the others in the request still run. `reason` goes only to the log. */
export class AdminOperationError extends Error {
  constructor(
    readonly code: AdminErrorCode,
    readonly reason: string,
  ) {
    super(reason)
  }
}
