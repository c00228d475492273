import {
  type AuditFilter,
  type AuditPosition,
  countAuditEntries,
  listAuditEntries,
} from '../db/repositories/audit-log.js'
import type { AuditEntry, AuditOutcome } from '../db/schema/index.js'
import { oneLine } from '../logging/one-line.js'
import { auditEventId } from './audit-events.js'
import { normaliseAddress } from './networks.js'
import type { Services } from './services.js'

/**
 * Reading the audit log, for the console's Log page, its CSV export and `agentxml log`: the
 * filter as an operator types it, checked once here, and pages that stay cheap on a big table.
 */

const minute = 60_000
const units: Readonly<Record<string, number>> = { m: minute, min: minute, h: 60 * minute, d: 1440 * minute, w: 10_080 * minute }
const day = 1440 * minute

/** What `--since 7d` and the console's "From" field accept; said the same way in both. */
export const timeForms = 'a date (2026-11-28), a UTC time (2026-11-28 14:30, or ISO 8601 with an offset) or a time ago (30m, 24h, 7d, 2w)'

const dateTime = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i

/**
 * A point in time from what an operator typed. `edge` says which end of a period it bounds: a
 * date alone starts at its midnight (UTC), and as the end of a range it takes in that whole day.
 */
export function parseAuditTime(text: string, now: number, edge: 'start' | 'end'): number | undefined {
  const trimmed = text.trim()
  if (trimmed.toLowerCase() === 'now') return now
  const ago = /^(\d{1,6})\s*(m|min|h|d|w)$/i.exec(trimmed)
  if (ago) return now - Number(ago[1]) * (units[(ago[2] ?? '').toLowerCase()] ?? 0)
  const match = dateTime.exec(trimmed)
  if (!match) return undefined
  const [, y, mo, d, h, mi, s, ms, zone] = match
  const parts = [y, mo, d, h ?? '0', mi ?? '0', s ?? '0'].map(Number) as [number, number, number, number, number, number]
  const fraction = Number((ms ?? '0').padEnd(3, '0'))
  const time = Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5], fraction)
  // Date.UTC rolls 30 February over into March: a date that does not exist is refused instead
  const back = new Date(time)
  if (back.getUTCMonth() !== parts[1] - 1 || back.getUTCDate() !== parts[2] || parts[3] > 23 || parts[4] > 59 || parts[5] > 59) return undefined
  const offset = zone && zone.toUpperCase() !== 'Z' ? zoneOffset(zone) : 0
  const wholeDay = h === undefined && edge === 'end' ? day : 0
  return time - offset + wholeDay
}

function zoneOffset(zone: string): number {
  const [, sign, hours, minutes] = /^([+-])(\d{2}):?(\d{2})$/.exec(zone) ?? []
  return (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes)) * minute
}

/** The filter fields as typed (a query string, command-line flags); missing or empty means "any". */
export interface AuditFilterInput {
  readonly user?: string | undefined
  readonly event?: string | undefined
  readonly outcome?: string | undefined
  readonly source?: string | undefined
  readonly since?: string | undefined
  readonly until?: string | undefined
}

export interface CheckedAuditFilter {
  readonly filter: AuditFilter
  /** By field: what is wrong with it. Empty when the filter can be used. */
  readonly problems: ReadonlyMap<keyof AuditFilterInput, string>
}

const given = (text: string | undefined) => (text === undefined || text.trim() === '' ? undefined : text.trim())

export function checkAuditFilter(input: AuditFilterInput, now: number): CheckedAuditFilter {
  const problems = new Map<keyof AuditFilterInput, string>()
  const time = (key: 'since' | 'until', edge: 'start' | 'end') => {
    const text = given(input[key])
    if (text === undefined) return undefined
    const value = parseAuditTime(text, now, edge)
    if (value === undefined) problems.set(key, `"${text}" is not a time: use ${timeForms}`)
    return value
  }
  const since = time('since', 'start')
  const until = time('until', 'end')
  if (since !== undefined && until !== undefined && since >= until) problems.set('until', 'the end of the period must be after its start')
  const outcome = given(input.outcome)?.toLowerCase()
  if (outcome !== undefined && outcome !== 'success' && outcome !== 'failure') {
    problems.set('outcome', `the outcome is success or failure, not "${input.outcome?.trim() ?? ''}"`)
  }
  const event = given(input.event)
  const source = given(input.source)
  const user = given(input.user)
  // text compared as the audit log stores it, controls escaped (audit.ts): a name tried with one
  // in it is found by that name, and no U+0000 reaches the database (domain/nul.ts)
  const filter: AuditFilter = {
    user: user === undefined ? undefined : oneLine(user),
    event: event === undefined ? undefined : oneLine(auditEventId(event)),
    outcome: outcome as AuditOutcome | undefined,
    source: source === undefined ? undefined : oneLine(normaliseAddress(source)),
    since,
    until,
  }
  return { filter, problems }
}

export interface AuditPage {
  /** Newest first. */
  readonly entries: AuditEntry[]
  readonly older: AuditPosition | undefined
  readonly newer: AuditPosition | undefined
  /** How many entries match in all, counted up to `countCap`. */
  readonly total: number
}

/** Counting stops here: "more than 10000" is all a reader needs, and it keeps the page fast. */
export const countCap = 10_000

export const positionOf = (entry: AuditEntry): AuditPosition => ({ time: entry.time, id: entry.id })

/** One page, the newest first, or the page just older than `before` or just newer than `after`. */
export async function readAuditPage(
  services: Services,
  filter: AuditFilter,
  request: { readonly limit: number; readonly before?: AuditPosition | undefined; readonly after?: AuditPosition | undefined },
): Promise<AuditPage> {
  // what this process has logged so far is in the table before it is read
  await services.flushAudit?.()
  const { limit, before, after } = request
  const [rows, total] = await Promise.all([
    // one row more than shown tells whether there is a further page in the direction of travel
    listAuditEntries(services.db, filter, { limit: limit + 1, before: after ? undefined : before, after }),
    countAuditEntries(services.db, filter, countCap + 1),
  ])
  const more = rows.length > limit
  const entries = after ? rows.slice(more ? 1 : 0) : rows.slice(0, limit)
  const first = entries[0]
  const last = entries.at(-1)
  const hasNewer = after ? more : before !== undefined
  const hasOlder = after ? true : more
  return {
    entries,
    older: hasOlder && last ? positionOf(last) : undefined,
    newer: hasNewer && first ? positionOf(first) : undefined,
    total,
  }
}

/** Every matching entry, newest first, up to `max`, read a page at a time (for exports and the command). */
export async function* auditEntries(services: Services, filter: AuditFilter, max = Number.POSITIVE_INFINITY): AsyncGenerator<AuditEntry> {
  await services.flushAudit?.()
  let before: AuditPosition | undefined
  let left = max
  while (left > 0) {
    const rows = await listAuditEntries(services.db, filter, { limit: Math.min(500, left), before })
    for (const row of rows) yield row
    left -= rows.length
    const last = rows.at(-1)
    if (!last || rows.length < 500) return
    before = positionOf(last)
  }
}
