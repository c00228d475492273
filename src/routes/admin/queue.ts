import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ConsoleSession } from '../../domain/admin-sessions.js'
import { DomainError } from '../../domain/errors.js'
import type { Services } from '../../domain/services.js'
import { messageStatuses, type MessageView, queueList, retryMessage } from '../../transports/queue-admin.js'
import { badge, capitalise, csrfField, errorBox, formValue, notice, selectField, withQuery } from './components.js'
import { formatTime, type Html, html } from './html.js'
import { page } from './layout.js'
import { send } from './reply.js'
import { consoleServices, requireSession } from './session.js'

/** The page shows this many messages, newest first, like `agentxml queue list`. */
export const messagesShown = 100

const retriable = new Set(['queued', 'failed'])

const statusBadge = (status: string) => badge(status === 'sent' ? 'ok' : status === 'failed' ? 'bad' : 'muted', status)

// the header says UTC; the status says whether the time is when it was sent or its next try
const time = (ms: number | undefined) => formatTime(ms).replace(/ UTC$/, '')
const when = (message: MessageView) => time(message.sentAt ?? message.nextAttemptAt)

function row(message: MessageView, csrf: Html, status: string) {
  const retry = retriable.has(message.status)
    ? html`<form method="post" action="/admin/queue/retry">${csrf}<input type="hidden" name="id" value="${message.id}"><input type="hidden" name="status" value="${status}">
<button type="submit" class="secondary small" aria-label="Retry message ${message.id}">Retry</button></form>`
    : ''
  return html`<tr><td>${message.id}</td><td class="time">${time(message.createdAt)}</td><td>${message.user}</td>
<td class="break"><span class="muted">${message.transport}</span> ${message.destination}</td><td class="time">${statusBadge(message.status)} <span class="muted">${message.attempts} ${message.attempts === 1 ? 'try' : 'tries'}</span></td>
<td class="time">${when(message)}</td><td class="break error-text">${message.lastError ?? ''}</td><td>${retry}</td></tr>`
}

function queuePage(session: ConsoleSession, status: string, messages: readonly MessageView[], top: Html | '') {
  const options = [['', 'All messages'] as const, ...messageStatuses.map((s) => [s, s] as const)]
  const body = html`<h1>Message queue</h1>${top}
<form method="get" action="/admin/queue" class="toolbar" role="search">
${selectField({ name: 'status', label: 'Status', value: status, options })}
<button type="submit">Show</button></form>
<div class="table-wrap"><table class="dense"><thead><tr><th scope="col">Id</th><th scope="col">Created (UTC)</th><th scope="col">User</th><th scope="col">Destination</th>
<th scope="col">Status</th><th scope="col" title="When it was sent, or its next try">When (UTC)</th><th scope="col">Last error</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>${messages.length ? messages.map((m) => row(m, csrfField(session), status)) : html`<tr><td colspan="8" class="muted">No messages${status ? html` with status ${status}` : ''}.</td></tr>`}</tbody></table></div>
<p class="muted">${messages.length >= messagesShown ? `The newest ${messagesShown} are shown. ` : ''}Message texts are never shown: they hold provision codes.</p>`
  return page({ title: 'Message queue', session, section: 'queue', body })
}

/** Queue: the provision-code messages with their state, and Retry for those still worth sending. */
export async function queueRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const show = async (reply: FastifyReply, session: ConsoleSession, status: string, code: number, top: Html | '') => {
    try {
      return send(reply, code, queuePage(session, status, await queueList(services, { status: status || undefined, limit: messagesShown }), top))
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      return send(reply, 400, queuePage(session, '', [], errorBox(capitalise(err.message))))
    }
  }

  app.get('/queue', async (request, reply) => {
    const retried = formValue(request.query, 'retried')
    const info = /^\d+$/.test(retried) ? `Message ${retried} is due now; the server sends it in a moment.` : undefined
    return show(reply, requireSession(request), formValue(request.query, 'status'), 200, notice(info))
  })

  app.post('/queue/retry', async (request, reply) => {
    const session = requireSession(request)
    const text = formValue(request.body, 'id')
    const status = formValue(request.body, 'status')
    const id = /^\d{1,9}$/.test(text) ? Number(text) : 0
    try {
      if (id === 0) throw new DomainError(`"${text}" is not a message id`)
      await retryMessage(consoleServices(services, request), id)
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      return show(reply, session, status, 400, errorBox(capitalise(err.message)))
    }
    // the server's worker sleeps until the next message is due: wake it for this one
    services.onMessageQueued?.()
    return reply.redirect(withQuery('/admin/queue', { status, retried: id }), 303)
  })
}
