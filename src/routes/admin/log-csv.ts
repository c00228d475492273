import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { AuditEntry } from '../../db/schema/index.js'
import { adminMessages } from '../../domain/admin-messages.js'
import { auditEventName } from '../../domain/audit-events.js'
import { auditEntries, checkAuditFilter } from '../../domain/audit-query.js'
import type { Services } from '../../domain/services.js'
import { withQuery } from './components.js'
import { filterKeys, filterValues } from './log-filter.js'
import { consoleServices, requireSession } from './session.js'

/**
 * One CSV cell (RFC 4180: quoted when it holds a quote, comma or line break, quotes doubled). A
 * cell a spreadsheet would run as a formula (=, +, -, @, or a tab or CR first) is given a leading
 * apostrophe: log texts carry what clients sent, and opening an export must not execute it
 * (OWASP, CSV injection).
 */
export function csvCell(value: string | number | null): string {
  const raw = value === null ? '' : String(value)
  const text = /^\s*[=+\-@]|^[\t\r]/.test(raw) ? `'${raw}` : raw
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export const csvLine = (cells: readonly (string | number | null)[]) => `${cells.map(csvCell).join(',')}\r\n`

export const csvHeader = ['Id', 'Time (UTC)', 'Event', 'Event id', 'Outcome', 'User', 'By', 'By (kind)', 'Source', 'Message', 'Detail']

const csvRow = (entry: AuditEntry) =>
  csvLine([
    entry.id,
    new Date(entry.time).toISOString(),
    auditEventName(entry.event),
    entry.event,
    entry.outcome,
    entry.user_name,
    entry.actor,
    entry.actor_type,
    entry.source,
    entry.message,
    entry.detail,
  ])

/** `GET /admin/log.csv?...`: every entry the Log page's filter matches, newest first, read a page at a time. */
export async function logCsvRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/log.csv', async (request, reply) => {
    const session = requireSession(request)
    const values = filterValues(request.query)
    const { filter, problems } = checkAuditFilter(values, services.now())
    // the Log page says what is wrong with the filter
    if (problems.size > 0) return reply.redirect(withQuery('/admin/log', values), 303)
    // said in the log line: no control character from the URL gets into it
    const described = filterKeys.filter((key) => values[key]).map((key) => `${key}=${values[key]}`).join(', ').replace(/\p{Cc}/gu, ' ').slice(0, 300)
    consoleServices(services, request).log.info({ event: 'logExported' }, adminMessages.logExported(session.adminName, described))
    async function* lines() {
      yield csvLine(csvHeader)
      for await (const entry of auditEntries(services, filter)) yield csvRow(entry)
    }
    const stamp = new Date(services.now()).toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-')
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="agentxml-log-${stamp}.csv"`)
      .send(Readable.from(lines()))
  })
}
