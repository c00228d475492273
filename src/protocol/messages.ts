/**
 * A name in double quotes, as the legacy texts quote names. A quote or backslash inside is
 * escaped, so a name cannot close the quotes and go on as text of its own (`User "a\"b"`).
 */
export const quoted = (name: string): string => `"${name.replace(/["\\]/g, '\\$&')}"`

/**
 * The legacy PINsafe log texts (docs/protocol.md §8), word for word: administrators and their SIEM tooling
 * search for them. Each event has a stable name that also goes into the log record as `event`.
 */
export const messages = {
  codeCreated: (user: string) => `Provision code created for user ${quoted(user)}`,
  messageQueued: (user: string, destination: string) =>
    `Message added to message queue for user: ${user}, destination: ${destination}.`,
  canReprovision: (user: string) => `User ${quoted(user)} can now reprovision their mobile device.`,
  messageSent: (user: string, destination: string) =>
    `Message sent to user: ${user}, destination: ${destination}.`,
  provisioned: (user: string) => `User ${quoted(user)} provisioned successfully`,
  provisionFailed: (user: string) =>
    `User ${quoted(user)} provision failed, A valid session could not be loaded or created for the user.`,
  noAuthMethod: (user: string) =>
    `AgentXML request failed, error: No suitable authentication method for the user ${quoted(user)} was found. ` +
    'The user may be missing from the user repository or a synchronisation has not yet occurred.',
  unknownMobile: () => 'Mobile request from unknown user; the user needs to reprovision',
  stringsFetched: (user: string) => `Security strings fetched for user: ${user}`,
  tokenIndex: (user: string) => `Token index request for user: ${user}`,
  agentRefused: () => 'AgentXML request failed, error: The agent is not authorised to access the server.',
  loginOk: (user: string) => `Login successful for user: ${user}.`,
  loginFailed: (user: string, reason: string) => `Login failed for user: ${user}, error: ${reason}`,
  // RADIUS two-stage: the directory password passed, the one-time code is asked for
  passwordChecked: (user: string) => `Password check passed for user: ${user}, one-time code requested.`,
  requestFailed: (reason: string) => `AgentXML request failed, error: ${reason}`,
  // the PIN lifecycle: PINsafe's line for a new user's PIN, and lines of its shape for the rest
  pinCreated: (user: string) => `PIN created for user: ${user}`,
  pinReset: (user: string) => `PIN reset for user: ${user}`,
  pinChanged: (user: string) => `PIN changed for user: ${user}`,
  pinChangeFailed: (user: string, reason: string) => `PIN change failed for user: ${user}, error: ${reason}`,
  pinResetCodeCreated: (user: string) => `PIN reset code created for user: ${user}`,
  pinResetFailed: (user: string, reason: string) => `PIN reset failed for user: ${user}, error: ${reason}`,
  pinExpiryReminder: (user: string) => `PIN expiry reminder sent to user: ${user}`,
} as const

export type EventName = keyof typeof messages
