import type { AdminSessionsTable } from './admin-sessions.js'
import type { AdminsTable } from './admins.js'
import type { AgentsTable } from './agents.js'
import type { AuditLogTable } from './audit-log.js'
import type { DeliverySettingsTable } from './delivery-settings.js'
import type { DevicesTable } from './devices.js'
import type { MessagesTable } from './messages.js'
import type { MetaTable } from './meta.js'
import type { NasClientsTable } from './nas-clients.js'
import type { PinResetCodesTable } from './pin-reset-codes.js'
import type { PoliciesTable } from './policies.js'
import type { ProvisionCodesTable } from './provision-codes.js'
import type { RadiusChallengesTable, RadiusRepliesTable } from './radius-challenges.js'
import type { RateLimitsTable } from './rate-limits.js'
import type { RepositoriesTable } from './repositories.js'
import type { StringBatchesTable, UsedStringsTable } from './string-batches.js'
import type { SyncRunsTable } from './sync-runs.js'
import type { UsersTable } from './users.js'

export interface Database {
  users: UsersTable
  agents: AgentsTable
  policies: PoliciesTable
  delivery_settings: DeliverySettingsTable
  provision_codes: ProvisionCodesTable
  devices: DevicesTable
  string_batches: StringBatchesTable
  used_strings: UsedStringsTable
  messages: MessagesTable
  admins: AdminsTable
  admin_sessions: AdminSessionsTable
  audit_log: AuditLogTable
  meta: MetaTable
  rate_limits: RateLimitsTable
  settings_version: { version: number }
  repositories: RepositoriesTable
  sync_runs: SyncRunsTable
  pin_reset_codes: PinResetCodesTable
  nas_clients: NasClientsTable
  radius_challenges: RadiusChallengesTable
  radius_replies: RadiusRepliesTable
}

export type { Admin } from './admins.js'
export type { AdminSession } from './admin-sessions.js'
export type { Agent } from './agents.js'
export type { AuditEntry, AuditOutcome, NewAuditEntry } from './audit-log.js'
export type { Device } from './devices.js'
export type { Message, MessageKind, MessageStatus } from './messages.js'
export type { GroupFormat, MessageAuthenticatorMode, NasClient } from './nas-clients.js'
export type { PinResetCode } from './pin-reset-codes.js'
export type { ProvisionCode } from './provision-codes.js'
export type { RadiusChallenge } from './radius-challenges.js'
export type { Repository, RepositoryPreset } from './repositories.js'
export type { StringBatch } from './string-batches.js'
export type { SyncRun, SyncStatus } from './sync-runs.js'
export type { User } from './users.js'
