import type { Generated, Insertable, Selectable } from 'kysely'

export type AuditOutcome = 'success' | 'failure'

/** One logged event (docs/protocol.md §8, plus administrator actions); never a secret. */
export interface AuditLogTable {
  id: Generated<number>
  /** UTC, milliseconds since the epoch. */
  time: number
  /** The stable event name (`provisioned`, `loginFailed`, `userAdded`, ...). */
  event: string
  /** The legacy log text. */
  message: string
  user_name: string | null
  /** The agent, administrator, NAS, user or operator that acted, if any. */
  actor: string | null
  actor_type: 'agent' | 'admin' | 'nas' | 'user' | 'operator' | null
  /** The client's address. */
  source: string | null
  outcome: AuditOutcome
  /** A short reason (e.g. "expired code"), when the event has one. */
  detail: string | null
  /** The agentxml node that wrote the row (`--node-name`). */
  node: string | null
}

export type AuditEntry = Selectable<AuditLogTable>
export type NewAuditEntry = Insertable<AuditLogTable>
