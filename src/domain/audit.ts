import type { AuditOutcome, NewAuditEntry } from '../db/schema/index.js'
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
  const nas = text(record.nas, 128)
  // a user acting for themself (the self-service PIN pages) is the actor of their own row
  const self = record.by === 'user' ? text(record.user, 128) : null
  // the operating-system user who ran an agentxml command (cli/shared.ts)
  const operator = text(record.operator, 128)
  return {
    time,
    event,
    message: text(record.msg, 2000) ?? event,
    user_name: text(record.user, 256),
    actor: agent ?? admin ?? nas ?? self ?? operator,
    actor_type: agent ? 'agent' : admin ? 'admin' : nas ? 'nas' : self ? 'user' : operator ? 'operator' : null,
    source: text(record.ip, 64),
    outcome: outcomeOf(record, event),
    detail: text(record.reason, 300),
  }
}

/** Writes event records to the audit table, stamped with the services' clock. */
export function auditWriter(services: Pick<Services, 'store' | 'now' | 'node'>): AuditWriter {
  return async (records) => {
    const time = services.now()
    const node = services.node ?? null
    const entries = records.flatMap((record) => {
      const entry = auditEntryOf(record, time)
      return entry ? [{ ...entry, node }] : []
    })
    if (entries.length > 0) await services.store.insertAudit(entries)
  }
}

/**
 * The retention purge's statements (see Store.deleteAuditBefore): each deletes `rows`, a number
 * that follows how long the last one took, so that none holds the one SQLite connection (and the
 * requests waiting for it) for much more than `targetMs`, on a small log in memory as on months
 * of rows on a cold disk.
 */
export const purgeChunks = { first: 200, min: 10, max: 5_000, targetMs: 10 } as const

/** The pause after each purge statement, as a multiple of the time the statement took. */
const purgePause = 3

export function nextPurgeChunk(rows: number, elapsedMs: number): number {
  if (elapsedMs > 2 * purgeChunks.targetMs) return Math.max(purgeChunks.min, Math.floor(rows / 2))
  if (elapsedMs < purgeChunks.targetMs / 2) return Math.min(purgeChunks.max, rows * 2)
  return rows
}

/**
 * Remove entries older than the retention period, a chunk at a time with a pause of the event
 * loop in between; returns how many went. With several nodes only one purges at a time.
 */
export async function purgeAudit(services: Services): Promise<number> {
  let removed = 0
  const days = await readAuditRetentionDays(services)
  await services.store.exclusively('audit-retention', async () => {
    const before = services.now() - days * 86_400_000
    for (let rows: number = purgeChunks.first; ; ) {
      const began = performance.now()
      const chunk = await services.store.deleteAuditBefore(before, rows)
      removed += chunk
      if (chunk < rows) break
      const elapsed = performance.now() - began
      rows = nextPurgeChunk(rows, elapsed)
      // the requests that waited meanwhile go first, and the purge takes at most a quarter of
      // the time: the pages it changes reach the disk in smaller checkpoints (a burst of them
      // holds up every write of the server while the disk syncs)
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, purgePause * elapsed)))
    }
  })
  if (removed > 0) services.log.info({ removed, days }, `Audit log: ${removed} entries older than ${days} days removed`)
  return removed
}
