import type { AuditRecord } from './audit.js'

/**
 * Events anybody can cause, unauthenticated and for free: refusals of unknown users, codes, ids
 * and agents, token index queries, self-service and console sign-in failures. Stored one by one,
 * a client could fill the audit table (kept for 90 days) as fast as it can send requests.
 */
const openEvents = new Set([
  'provisionFailed',
  'noAuthMethod',
  'unknownMobile',
  'agentRefused',
  'tokenIndex',
  'selfProvisionRefused',
  'selfProvisionCsrf',
  'selfProvisionCrossSite',
  'selfProvisionLimited',
  'adminSignInFailed',
  'pinResetRefused',
  'pinLimited',
  'pinPageRefused',
])

/**
 * Per minute and event, the first record of each of the first 10 sources is stored; the others
 * become one row with their count. At most 11 rows a minute an event, whatever the request rate
 * and however many addresses the requests come from.
 */
export const floodLimits = { windowMs: 60_000, sources: 10 } as const

/**
 * Caused by a request with a source address and without an authenticated agent (`agent` is set
 * once one is). A failure of a user the server has, within the attempts the policies allow a user
 * (`known`, domain/provisioning.ts), is stored one by one: the auditor sees whose device failed.
 */
const open = (record: AuditRecord): record is AuditRecord & { event: string; ip: string } =>
  typeof record.event === 'string' &&
  openEvents.has(record.event) &&
  typeof record.ip === 'string' &&
  record.agent === undefined &&
  record.known !== true

/** One event's minute: how many more came from each source stored, and from the others. */
interface Counted {
  readonly level: unknown
  readonly sources: Map<string, number>
  others: number
}

export interface FloodGate {
  /** Whether to store `record`; when not, it is counted, and the count stored later as one row. */
  admit(record: AuditRecord, now: number): boolean
  /** The count rows of the minute that has ended by `now`, or (`drain`) of what was counted so far. */
  summaries(now: number, drain?: boolean): AuditRecord[]
  /** When the current minute ends, while anything is counted in it. */
  pendingUntil(): number | undefined
}

function summary(event: string, { level, sources, others }: Counted, now: number): AuditRecord | undefined {
  const more = [...sources].filter(([, count]) => count > 0)
  const total = more.reduce((sum, [, count]) => sum + count, others)
  if (total === 0) return undefined
  const only = others === 0 && more.length === 1 ? more[0]?.[0] : undefined
  const from = only ?? [...more.map(([ip, count]) => `${ip} ×${count}`), ...(others > 0 ? [`${others} from other sources`] : [])].join(', ')
  return {
    time: now,
    level,
    event,
    ip: only,
    count: total,
    msg: `${total} more "${event}" records within a minute from ${from}, not stored one by one (the server log has each)`,
    reason: `${total} more, not stored one by one`,
  }
}

export function createFloodGate(limits: { readonly windowMs: number; readonly sources: number } = floodLimits): FloodGate {
  let windowStart = 0
  // bounded: at most `sources` entries an event
  let counted = new Map<string, Counted>()
  let ended: AuditRecord[] = []

  const rows = (now: number): AuditRecord[] =>
    [...counted].map(([event, entry]) => summary(event, entry, now)).filter((row): row is AuditRecord => row !== undefined)
  const rotate = (now: number) => {
    if (now < windowStart + limits.windowMs) return
    ended.push(...rows(now))
    windowStart = now
    counted = new Map()
  }

  return {
    admit(record, now) {
      if (!open(record)) return true
      rotate(now)
      const entry = counted.get(record.event) ?? { level: record.level, sources: new Map<string, number>(), others: 0 }
      counted.set(record.event, entry)
      const seen = entry.sources.get(record.ip)
      if (seen !== undefined) {
        entry.sources.set(record.ip, seen + 1)
        return false
      }
      if (entry.sources.size < limits.sources) {
        entry.sources.set(record.ip, 0)
        return true
      }
      entry.others++
      return false
    },
    summaries(now, drain = false) {
      rotate(now)
      const due = ended
      ended = []
      if (!drain) return due
      const sofar = rows(now)
      for (const entry of counted.values()) {
        for (const ip of entry.sources.keys()) entry.sources.set(ip, 0)
        entry.others = 0
      }
      return [...due, ...sofar]
    },
    pendingUntil() {
      return rows(0).length > 0 ? windowStart + limits.windowMs : undefined
    },
  }
}
