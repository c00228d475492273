import type { FastifyInstance } from 'fastify'
import type { AuditPosition } from '../../db/repositories/audit-log.js'
import type { AuditEntry } from '../../db/schema/index.js'
import { auditEventName } from '../../domain/audit-events.js'
import { type AuditPage, checkAuditFilter, countCap, readAuditPage } from '../../domain/audit-query.js'
import type { Services } from '../../domain/services.js'
import { oneLine } from '../../logging/one-line.js'
import { badge, capitalise, formValue, withQuery } from './components.js'
import { formatTime, type Html, html } from './html.js'
import { page } from './layout.js'
import { type FilterValues, filterForm, filterValues, isFiltered } from './log-filter.js'
import { send } from './reply.js'
import { requireSession } from './session.js'

export const entriesPerPage = 50

/** A page's place in the log, in its URL: `time_id` of the entry it continues from. */
export const positionText = (position: AuditPosition) => `${position.time}_${position.id}`

function parsePosition(text: string): AuditPosition | undefined {
  const match = /^(\d{1,16})_(\d{1,15})$/.exec(text)
  return match ? { time: Number(match[1]), id: Number(match[2]) } : undefined
}

const actor = (entry: AuditEntry) => (entry.actor ? html`<span class="muted">${entry.actor_type ?? ''}</span> ${entry.actor}` : '')

// each row is one line: long texts are cut at the column's edge and open in full when clicked
const clipped = (text: string | null) => (text ? html`<span class="clip" title="${text}">${text}</span>` : '')

/** Rows stored before values were made one line (domain/audit.ts) are shown as they are now. */
const shown = (entry: AuditEntry): AuditEntry => ({
  ...entry,
  message: oneLine(entry.message),
  detail: entry.detail && oneLine(entry.detail),
  user_name: entry.user_name && oneLine(entry.user_name),
  actor: entry.actor && oneLine(entry.actor),
  source: entry.source && oneLine(entry.source),
})

function row(stored: AuditEntry) {
  const entry = shown(stored)
  return html`<tr><td class="time">${formatTime(entry.time).replace(/ UTC$/, '')}</td>
<td><span class="clip" title="${entry.event}">${auditEventName(entry.event)}</span></td>
<td>${entry.outcome === 'success' ? badge('ok', 'success') : badge('bad', 'failure')}</td>
<td>${clipped(entry.user_name)}</td><td><span class="clip">${actor(entry)}</span></td><td>${clipped(entry.source)}</td>
<td class="message"><details><summary>${entry.message}</summary>${entry.detail ? html`<p>${entry.detail}</p>` : ''}</details></td></tr>`
}

function table(entries: readonly AuditEntry[], filtered: boolean): Html {
  return html`<div class="table-wrap"><table class="log">
<colgroup><col class="c-time"><col class="c-event"><col class="c-outcome"><col class="c-user"><col class="c-actor"><col class="c-source"><col></colgroup>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Event</th><th scope="col">Outcome</th><th scope="col">User</th><th scope="col">By</th><th scope="col">Source</th><th scope="col">Message</th></tr></thead>
<tbody>${entries.length ? entries.map(row) : html`<tr><td colspan="7" class="muted">No log entries${filtered ? ' match this filter' : ''}.</td></tr>`}</tbody></table></div>`
}

function pager(values: FilterValues, result: AuditPage, first: boolean): Html {
  const link = (extra: Record<string, string>) => withQuery('/admin/log', { ...values, ...extra })
  const total = result.total > countCap ? `More than ${countCap} entries match` : `${result.total} ${result.total === 1 ? 'entry matches' : 'entries match'}`
  return html`<nav class="pager" aria-label="Pages">
${first ? '' : html`<a class="button secondary" href="${link({})}">Newest</a>`}
${result.newer ? html`<a class="button secondary" href="${link({ after: positionText(result.newer) })}" rel="prev">Newer</a>` : ''}
<span>${total}${isFiltered(values) ? ' this filter' : ''}.</span>
${result.older ? html`<a class="button secondary" href="${link({ before: positionText(result.older) })}" rel="next">Older</a>` : ''}</nav>`
}

/** Log: the audit log, newest first, filtered by user, event, outcome, source address and time. */
export async function logRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/log', async (request, reply) => {
    const session = requireSession(request)
    const values = filterValues(request.query)
    const { filter, problems } = checkAuditFilter(values, services.now())
    const show = (status: number, body: Html) => send(reply, status, page({ title: 'Log', session, section: 'log', wide: true, body }))
    if (problems.size > 0) {
      const listed = html`<div class="error" role="alert">The filter was not applied:<ul>${[...problems.values()].map((p) => html`<li>${capitalise(p)}</li>`)}</ul></div>`
      return show(400, html`<h1>Log</h1>${listed}${filterForm(values, problems, undefined)}`)
    }
    const before = parsePosition(formValue(request.query, 'before'))
    const after = parsePosition(formValue(request.query, 'after'))
    const result = await readAuditPage(services, filter, { limit: entriesPerPage, before, after })
    const first = !before && !after
    return show(200, html`<h1>Log</h1>${filterForm(values, new Map(), withQuery('/admin/log.csv', values))}
${table(result.entries, isFiltered(values))}${pager(values, result, first)}`)
  })
}
