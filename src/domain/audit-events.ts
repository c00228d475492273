/**
 * What each audit event id means, in words an operator reads: the one table behind the console's
 * Log page, its CSV export and `agentxml log`. The ids stay in the database and the JSON output
 * (scripts and SIEM rules match on them); people see the names. A test checks that every event
 * the code logs has a name here.
 */
export const auditEventNames: Readonly<Record<string, string>> = {
  // provisioning and the mobile client (docs/protocol.md §8)
  codeCreated: 'Provision code created',
  canReprovision: 'Reprovision allowed',
  noDestination: 'Provision code not created',
  provisioned: 'Provisioned',
  provisionFailed: 'Provision failed',
  noAuthMethod: 'No authentication method',
  unknownMobile: 'Unknown mobile client',
  stringsFetched: 'Security strings fetched',
  tokenIndex: 'Token index requested',
  agentRefused: 'Agent refused',
  loginOk: 'Login successful',
  loginFailed: 'Login failed',
  passwordChecked: 'Password checked, code requested',
  // the PIN lifecycle
  pinCreated: 'PIN created',
  pinNotSent: 'PIN not sent',
  pinReset: 'PIN reset',
  pinChanged: 'PIN changed',
  pinChangeFailed: 'PIN change failed',
  pinResetRequested: 'PIN reset code requested',
  pinResetRefused: 'PIN reset code refused',
  pinResetCodeCreated: 'PIN reset code created',
  pinResetFailed: 'PIN reset failed',
  pinExpiryReminder: 'PIN expiry reminder',
  pinLimited: 'PIN page rate limited',
  pinPageRefused: 'PIN page request refused',
  // the message queue
  messageQueued: 'Message queued',
  messageSent: 'Message sent',
  messageRetry: 'Message send failed, will retry',
  messageFailed: 'Message failed',
  messageExpired: 'Message expired',
  messageRetryRequested: 'Message retry requested',
  messageLeaseLost: 'Message claim lost to another worker',
  // self-service provisioning
  selfProvisionRequested: 'Self-service code requested',
  selfProvisionRefused: 'Self-service code refused',
  selfProvisionLimited: 'Self-service rate limited',
  selfProvisionCsrf: 'Self-service form expired',
  selfProvisionCrossSite: 'Self-service cross-site post',
  // administration
  userAdded: 'User added',
  userUpdated: 'User updated',
  userDeleted: 'User deleted',
  userUnlocked: 'User unlocked',
  policyChanged: 'Policy changed',
  deliverySettingChanged: 'Delivery setting changed',
  testMessageSent: 'Test message sent',
  testMessageFailed: 'Test message failed',
  agentAdded: 'Agent added',
  agentUpdated: 'Agent updated',
  agentDeleted: 'Agent deleted',
  nasAdded: 'NAS added',
  nasUpdated: 'NAS updated',
  nasDeleted: 'NAS deleted',
  usersImported: 'Users imported',
  adminOperationFailed: 'AdminXML operation failed',
  adminAdded: 'Admin added',
  adminDeleted: 'Admin deleted',
  adminPasswordSet: 'Admin password changed',
  adminSignIn: 'Admin signed in',
  adminSignInFailed: 'Admin sign-in failed',
  adminLocked: 'Admin locked out',
  adminSignOut: 'Admin signed out',
  adminHashesKeyed: 'Admin password hashes keyed',
  logExported: 'Log exported',
  // user repositories (directories)
  repositoryAdded: 'Repository added',
  repositoryChanged: 'Repository changed',
  repositoryDeleted: 'Repository deleted',
  syncStarted: 'Directory sync started',
  syncFinished: 'Directory sync finished',
  syncFailed: 'Directory sync failed',
  syncStopped: 'Directory sync stopped',
  syncEmpty: 'Directory sync found no entries',
  syncConflict: 'Directory name conflict',
  directoryUserRemoved: 'Directory user removed',
  directoryUserRestored: 'Directory user restored',
  directoryUserDeleted: 'Directory user deleted',
}

/** The readable name of an event; an id this version does not know (a newer one wrote it) is shown as it is. */
export function auditEventName(event: string): string {
  return Object.hasOwn(auditEventNames, event) ? (auditEventNames[event] ?? event) : event
}

/** An event id from what an operator typed: the id itself, or its name in any case. */
export function auditEventId(text: string): string {
  const wanted = text.trim()
  if (Object.hasOwn(auditEventNames, wanted)) return wanted
  const lower = wanted.toLowerCase()
  return Object.keys(auditEventNames).find((id) => auditEventNames[id]?.toLowerCase() === lower || id.toLowerCase() === lower) ?? wanted
}

/** The known events sorted by name, for a filter's choices. */
export function auditEventChoices(): (readonly [string, string])[] {
  return Object.entries(auditEventNames).sort(([, a], [, b]) => a.localeCompare(b, 'en'))
}
