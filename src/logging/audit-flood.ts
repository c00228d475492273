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
])

/** Per minute, the first record of each event and source is stored, for at most 20 sources an event. */
export const floodLimits = { windowMs: 60_000, sources: 20 } as const

/** Caused by a request with a source address and without an authenticated agent (`agent` is set once one is). */
const open = (record: AuditRecord): record is AuditRecord & { event: string } =>
  typeof record.event === 'string' && openEvents.has(record.event) && typeof record.ip === 'string' && record.agent === undefined

interface Counted {
  readonly event: string
  readonly ip: string | undefined
  readonly level: unknown
  count: number
}

export interface FloodGate {
  /** Whether to store `record`; when not, it is counted, and its count stored later as one row. */
  admit(record: AuditRecord, now: number): boolean
  /** The count rows of the minute that has ended by `now`, or (`drain`) of what was counted so far. */
  summaries(now: number, drain?: boolean): AuditRecord[]
  /** When the current minute ends, while anything is counted in it. */
  pendingUntil(): number | undefined
}

export function createFloodGate(limits: { readonly windowMs: number; readonly sources: number } = floodLimits): FloodGate {
  let windowStart = 0
  // per event and source; the other sources of an event share the key with no source. Bounded: at most `sources` + 1 keys an event
  let counted = new Map<string, Counted>()
  let sources = new Map<string, number>()

  const rows = (now: number): AuditRecord[] =>
    [...counted.values()]
      .filter((entry) => entry.count > 0)
      .map(({ event, ip, level, count }) => ({
        time: now,
        level,
        event,
        ip,
        count,
        msg: `${count} more "${event}" records from ${ip ?? 'other sources'} within a minute, not stored one by one (the server log has each)`,
        reason: `${count} more from ${ip ? 'this source' : 'other sources'}, not stored one by one`,
      }))

  const rotate = (now: number): AuditRecord[] => {
    if (now < windowStart + limits.windowMs) return []
    const ended = rows(now)
    windowStart = now
    counted = new Map()
    sources = new Map()
    return ended
  }
  let ended: AuditRecord[] = []

  return {
    admit(record, now) {
      if (!open(record)) return true
      ended.push(...rotate(now))
      const { event } = record
      const ip = record.ip as string
      const entry = counted.get(`${event} ${ip}`)
      if (entry) {
        entry.count++
        return false
      }
      const seen = sources.get(event) ?? 0
      if (seen < limits.sources) {
        sources.set(event, seen + 1)
        counted.set(`${event} ${ip}`, { event, ip, level: record.level, count: 0 })
        return true
      }
      const others = counted.get(event) ?? { event, ip: undefined, level: record.level, count: 0 }
      others.count++
      counted.set(event, others)
      return false
    },
    summaries(now, drain = false) {
      const due = [...ended, ...rotate(now)]
      ended = []
      if (!drain) return due
      const sofar = rows(now)
      for (const entry of counted.values()) entry.count = 0
      return [...due, ...sofar]
    },
    pendingUntil() {
      return [...counted.values()].some((entry) => entry.count > 0) ? windowStart + limits.windowMs : undefined
    },
  }
}
