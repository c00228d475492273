import {
  type AuditFilter,
  countAuditEntries,
  deleteAuditEntriesBefore,
  insertAuditEntries,
  listAuditEntries,
  listAuditEvents,
} from '../db/repositories/audit-log.js'
import type { AuditEntry, AuditOutcome, NewAuditEntry } from '../db/schema/index.js'
import { inWriteBatch } from '../db/sync.js'
import type { AuditRecord, AuditWriter } from '../logging/audit.js'
import { oneLine } from '../logging/one-line.js'
import { readAuditRetentionDays } from './audit-retention.js'
import type { Services } from './services.js'

/** Events that record a refusal or failure even when logged at info level. */
const failureEvents = new Set([
  'provisionFailed',
  'noAuthMethod',
  'unknownMobile',
  'agentRefused',
  'loginFailed',
  'messageFailed',
  'adminSignInFailed',
  'adminLocked',
])

// each value on one line, as the console and an export show it (the values come from the wire)
const text = (value: unknown, max: number) => (typeof value === 'string' && value !== '' ? oneLine(value).slice(0, max) : null)

function outcomeOf(record: AuditRecord, event: string): AuditOutcome {
  if (record.outcome === 'success' || record.outcome === 'failure') return record.outcome
  const level = typeof record.level === 'number' ? record.level : 30
  return level >= 40 || failureEvents.has(event) || /(Failed|Refused)$/.test(event) ? 'failure' : 'success'
}

/**
 * The audit row of a log record: only the named fields, never the rest of the record (which
 * pino has already redacted of secrets, but may carry details an auditor does not need).
 */
export function auditEntryOf(record: AuditRecord, time: number): NewAuditEntry | undefined {
  const event = text(record.event, 64)
  if (!event) return undefined
  const agent = text(record.agent, 128)
  const admin = text(record.admin, 128)
  return {
    time,
    event,
    message: text(record.msg, 2000) ?? event,
    user_name: text(record.user, 256),
    actor: agent ?? admin,
    actor_type: agent ? 'agent' : admin ? 'admin' : null,
    source: text(record.ip, 64),
    outcome: outcomeOf(record, event),
    detail: text(record.reason, 300),
  }
}

/** Writes event records to the audit table, stamped with the services' clock. */
export function auditWriter(services: Pick<Services, 'db' | 'now'>): AuditWriter {
  return async (records) => {
    const time = services.now()
    const entries = records.map((record) => auditEntryOf(record, time)).filter((entry) => entry !== undefined)
    if (entries.length > 0) await inWriteBatch(services.db, (sql) => insertAuditEntries(sql, entries))
  }
}

/** Remove entries older than the retention period; returns how many went. */
export async function purgeAudit(services: Services): Promise<number> {
  const days = await readAuditRetentionDays(services.db)
  const removed = await deleteAuditEntriesBefore(services.db, services.now() - days * 86_400_000)
  if (removed > 0) services.log.info({ removed, days }, `Audit log: ${removed} entries older than ${days} days removed`)
  return removed
}

export interface AuditPage {
  readonly entries: AuditEntry[]
  readonly total: number
  readonly events: string[]
}

export async function readAudit(services: Services, filter: AuditFilter, limit: number, offset: number): Promise<AuditPage> {
  // what this process has logged so far is in the table before it is read
  await services.flushAudit?.()
  const [entries, total, events] = await Promise.all([
    listAuditEntries(services.db, filter, limit, offset),
    countAuditEntries(services.db, filter),
    listAuditEvents(services.db),
  ])
  return { entries, total, events }
}

export type { AuditFilter }
