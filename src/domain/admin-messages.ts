/**
 * What administrator actions write to the log (and so to the audit log). The legacy product's
 * own texts for these are not public; these follow the style of its texts (spec §8).
 */
export const adminMessages = {
  adminAdded: (admin: string) => `Administrator "${admin}" added`,
  adminDeleted: (admin: string) => `Administrator "${admin}" deleted`,
  adminPasswordSet: (admin: string) => `Password of administrator "${admin}" changed`,
  adminSignIn: (admin: string) => `Administrator "${admin}" signed in`,
  adminSignInFailed: (admin: string) => `Administrator sign-in failed for "${admin}"`,
  adminLocked: (admin: string, minutes: number) =>
    `Administrator "${admin}" locked out for ${minutes} minutes after repeated failed sign-ins`,
  adminSignOut: (admin: string) => `Administrator "${admin}" signed out`,
  userAdded: (user: string) => `User "${user}" added`,
  userUpdated: (user: string, what: string) => `User "${user}" updated: ${what}`,
  userDeleted: (user: string) => `User "${user}" deleted`,
  userUnlocked: (user: string) => `User "${user}" unlocked`,
  policyChanged: (label: string, value: string) => `Policy "${label}" set to ${value}`,
  agentAdded: (agent: string) => `Agent "${agent}" added`,
  agentUpdated: (agent: string, what: string) => `Agent "${agent}" updated: ${what}`,
  agentDeleted: (agent: string) => `Agent "${agent}" deleted`,
  adminOperationFailed: (operation: string, user: string, reason: string) =>
    `AdminXML ${operation} failed for user "${user}", error: ${reason}`,
} as const

export type AdminEventName = keyof typeof adminMessages
