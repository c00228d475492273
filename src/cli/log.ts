import type { AuditEntry } from '../db/schema/index.js'
import { auditEventName } from '../domain/audit-events.js'
import { auditEntries, checkAuditFilter } from '../domain/audit-query.js'
import { type Command, dbHelp, formatTime, type Io, parse, print, table, UsageError, withServices } from './shared.js'

const options = {
  user: { type: 'string' },
  event: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  outcome: { type: 'string' },
  source: { type: 'string' },
  limit: { type: 'string' },
  format: { type: 'string' },
} as const

export const defaultLimit = 100

/** The full entry, one JSON object a line: field names stay stable for scripts. */
export const jsonOf = (entry: AuditEntry) => ({
  id: entry.id,
  time: new Date(entry.time).toISOString(),
  event: entry.event,
  eventName: auditEventName(entry.event),
  outcome: entry.outcome,
  user: entry.user_name,
  actor: entry.actor,
  actorType: entry.actor_type,
  source: entry.source,
  message: entry.message,
  detail: entry.detail,
  node: entry.node,
})

// one entry, one line: a stray control character must not start another
const oneLine = (text: string) => text.replace(/\p{Cc}+/gu, ' ')

const textRow = (entry: AuditEntry) => [
  formatTime(entry.time),
  auditEventName(entry.event),
  entry.outcome,
  entry.user_name ?? '-',
  entry.actor ? `${entry.actor_type ?? ''} ${entry.actor}`.trim() : '-',
  entry.source ?? '-',
  oneLine(entry.detail ? `${entry.message} (${entry.detail})` : entry.message),
].map(oneLine)

const usage = `Usage: agentxml log [--user NAME] [--event E] [--outcome success|failure] [--source ADDR]
                    [--since T] [--until T] [--limit N] [--format text|json]

The audit log, newest first (100 entries unless --limit). --user matches the user acted on or the
agent or administrator that acted; --event takes an event id or its name. T is a date
(2026-11-28; as --until it takes in that whole day), a UTC time (2026-11-28 14:30) or a time
ago (30m, 24h, 7d). --format json prints one object a line with every field.
${dbHelp}
`

/** `agentxml log`: the audit log, newest first. */
export const log: Command = {
  name: 'log',
  usage,
  run: printLog,
}

async function printLog(args: readonly string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, options)
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  const format = values.format ?? 'text'
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format is text or json, not "${format}"`)
  const limit = values.limit === undefined ? defaultLimit : count(values.limit)
  // checked before the database is opened: a mistyped flag creates no database file
  const { filter, problems } = checkAuditFilter(values, Date.now())
  const [field, problem] = [...problems][0] ?? []
  if (field) throw new UsageError(`--${field}: ${problem}`)

  let closed = false
  // `agentxml log | head` closes the pipe early: stop reading, not a stack trace
  io.stdout.on('error', () => (closed = true))
  await withServices(values, io, async (services) => {
    const rows: string[][] = []
    for await (const entry of auditEntries(services, filter, limit)) {
      if (closed) break
      if (format === 'json') print(io, JSON.stringify(jsonOf(entry)))
      else rows.push(textRow(entry))
    }
    if (format === 'text' && !closed) print(io, table([['TIME (UTC)', 'EVENT', 'OUTCOME', 'USER', 'BY', 'SOURCE', 'MESSAGE'], ...rows]))
  })
}

function count(text: string): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1) throw new UsageError(`--limit must be a positive number, not "${text}"`)
  return Number(text)
}
