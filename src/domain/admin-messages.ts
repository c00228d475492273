import { quoted } from '../protocol/messages.js'

/**
 * What administrator actions write to the log (and so to the audit log). The legacy product's
 * own texts for these are not public; these follow the style of its texts (docs/protocol.md §8).
 */
export const adminMessages = {
  adminAdded: (admin: string) => `Administrator ${quoted(admin)} added`,
  adminDeleted: (admin: string) => `Administrator ${quoted(admin)} deleted`,
  adminPasswordSet: (admin: string) => `Password of administrator ${quoted(admin)} changed`,
  adminSignIn: (admin: string) => `Administrator ${quoted(admin)} signed in`,
  adminSignInFailed: (admin: string) => `Administrator sign-in failed for ${quoted(admin)}`,
  adminLocked: (admin: string, minutes: number) =>
    `Administrator ${quoted(admin)} locked out for ${minutes} minutes after repeated failed sign-ins`,
  adminSignOut: (admin: string) => `Administrator ${quoted(admin)} signed out`,
  adminHashesKeyed: (count: number) => `Password hashes of ${count} administrators keyed with the master key`,
  userAdded: (user: string) => `User ${quoted(user)} added`,
  userUpdated: (user: string, what: string) => `User ${quoted(user)} updated: ${what}`,
  userDeleted: (user: string) => `User ${quoted(user)} deleted`,
  userUnlocked: (user: string) => `User ${quoted(user)} unlocked`,
  policyChanged: (label: string, value: string) => `Policy ${quoted(label)} set to ${value}`,
  /** `change`: "set to VALUE", "set (sealed)", "unset ..." (domain/delivery-admin.ts). */
  deliverySettingChanged: (key: string, change: string) => `Setting ${quoted(key)} ${change}`,
  agentAdded: (agent: string) => `Agent ${quoted(agent)} added`,
  agentUpdated: (agent: string, what: string) => `Agent ${quoted(agent)} updated: ${what}`,
  agentDeleted: (agent: string) => `Agent ${quoted(agent)} deleted`,
  nasAdded: (nas: string) => `NAS ${quoted(nas)} added`,
  nasUpdated: (nas: string, what: string) => `NAS ${quoted(nas)} updated: ${what}`,
  nasDeleted: (nas: string) => `NAS ${quoted(nas)} deleted`,
  logExported: (admin: string, filter: string) => `Log exported by administrator ${quoted(admin)}${filter ? ` (${filter})` : ''}`,
  adminOperationFailed: (operation: string, user: string, reason: string) =>
    `AdminXML ${operation} failed for user ${quoted(user)}, error: ${reason}`,
} as const

export type AdminEventName = keyof typeof adminMessages
