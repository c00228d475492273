import type { FastifyInstance } from 'fastify'
import type { AuditEntry } from '../../db/schema/index.js'
import { readAudit } from '../../domain/audit.js'
import type { Services } from '../../domain/services.js'
import { oneLine } from '../../logging/one-line.js'
import { badge, formValue, pageNumber, pager, selectField, textField, withQuery } from './components.js'
import { formatTime, html } from './html.js'
import { page } from './layout.js'
import { send } from './reply.js'
import { requireSession } from './session.js'

export const entriesPerPage = 50

const actor = (entry: AuditEntry) => (entry.actor ? html`<span class="muted">${entry.actor_type ?? ''}</span> ${entry.actor}` : '')

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
  return html`<tr><td class="time">${formatTime(entry.time)}</td><td><code>${entry.event}</code></td>
<td class="message">${entry.message}${entry.detail ? html`<br><span class="muted">${entry.detail}</span>` : ''}</td>
<td>${entry.user_name ?? ''}</td><td>${actor(entry)}</td><td>${entry.source ?? ''}</td>
<td>${entry.outcome === 'success' ? badge('ok', 'success') : badge('bad', 'failure')}</td></tr>`
}

/** Log: the audit log, newest first, filtered by user and event. */
export async function logRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/log', async (request, reply) => {
    const session = requireSession(request)
    const user = formValue(request.query, 'user').trim()
    const event = formValue(request.query, 'event').trim()
    const current = pageNumber(formValue(request.query, 'page'))
    const { entries, total, events } = await readAudit(services, { user, event }, entriesPerPage, (current - 1) * entriesPerPage)
    const eventOptions = [['', 'All events'] as const, ...[...new Set([...events, ...(event ? [event] : [])])].map((e) => [e, e] as const)]
    const body = html`<h1>Log</h1>
<form method="get" action="/admin/log" class="toolbar" role="search">
${textField({ name: 'user', label: 'User or administrator', value: user, type: 'search' })}
${selectField({ name: 'event', label: 'Event', value: event, options: eventOptions })}
<button type="submit">Filter</button>${user || event ? html`<a class="button secondary" href="/admin/log">Clear</a>` : ''}</form>
<table><thead><tr><th scope="col">Time (UTC)</th><th scope="col">Event</th><th scope="col">Message</th><th scope="col">User</th><th scope="col">Agent / admin</th><th scope="col">Source</th><th scope="col">Outcome</th></tr></thead>
<tbody>${entries.length ? entries.map(row) : html`<tr><td colspan="7" class="muted">No log entries${user || event ? ' match this filter' : ''}.</td></tr>`}</tbody></table>
${pager({ page: current, pageSize: entriesPerPage, total, link: (n) => withQuery('/admin/log', { user, event, page: n }) })}`
    return send(reply, 200, page({ title: 'Log', session, section: 'log', body }))
  })
}
