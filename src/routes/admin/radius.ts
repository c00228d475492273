import type { FastifyInstance } from 'fastify'
import type { ConsoleSession } from '../../domain/admin-sessions.js'
import { DomainError } from '../../domain/errors.js'
import { addNas, deleteNas, listNas, type NasView } from '../../domain/nas-clients.js'
import type { Services } from '../../domain/services.js'
import { badge, capitalise, csrfField, deleteQuestion, errorBox, formValue, notice, withQuery } from './components.js'
import { formatTime, type Html, html } from './html.js'
import { page } from './layout.js'
import { nasEditRoutes } from './nas-edit.js'
import { nasFields, nasValues, type NasValues, settingsFrom } from './nas-form.js'
import { send } from './reply.js'
import { consoleServices, requireSession } from './session.js'

/** Under `auto`, whether it has been seen: from then on it is required. */
function modeBadge(nas: NasView): Html {
  if (nas.messageAuthenticator === 'required') return badge('ok', 'required')
  if (nas.messageAuthenticator === 'off') return badge('bad', 'off: never checked')
  return nas.messageAuthenticatorSeen ? badge('ok', 'auto: seen, required') : badge('muted', 'auto: not seen yet')
}

const yesNo = (value: boolean) => (value ? 'yes' : 'no')

function row(nas: NasView): Html {
  return html`<tr><td>${nas.name}</td><td class="break">${nas.networks.join(', ')}</td><td class="break">${nas.identifier ?? html`<span class="muted">none</span>`}</td>
<td>${modeBadge(nas)}</td><td>${yesNo(nas.twoStage)}</td><td>${yesNo(nas.checkPassword)}</td><td>${nas.groups ? `"${nas.groups.keyword}" (${nas.groups.format})` : html`<span class="muted">none</span>`}</td>
<td class="time">${formatTime(nas.createdAt)}</td><td class="row-actions"><a href="${withQuery('/admin/radius/edit', { name: nas.name })}">Edit…</a><a href="${withQuery('/admin/radius/delete', { name: nas.name })}">Delete…</a></td></tr>`
}

const emptyForm = nasValues({})

async function listPage(services: Services, session: ConsoleSession, top: Html | '', form: NasValues = emptyForm, problem?: string) {
  const clients = await listNas(services)
  const body = html`<h1>RADIUS NAS</h1>${top}
<p class="muted">The VPNs, firewalls and gateways that check one-time codes over RADIUS. A packet from an address no NAS covers is dropped. The server answers RADIUS when started with <code>--radius [HOST:]PORT</code>.</p>
<table><thead><tr><th scope="col">Name</th><th scope="col">Networks</th><th scope="col">NAS-ID</th><th scope="col">Message-Authenticator</th><th scope="col">Two-stage</th><th scope="col">Password check</th><th scope="col">Groups</th><th scope="col">Created</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>${clients.length ? clients.map(row) : html`<tr><td colspan="9" class="muted">No NAS yet: every RADIUS packet is dropped.</td></tr>`}</tbody></table>
<h2 id="add">Add NAS</h2>${errorBox(problem)}
<form method="post" action="/admin/radius" class="panel">${csrfField(session)}${nasFields(form)}
<div class="actions"><button type="submit">Add NAS</button></div></form>`
  return page({ title: 'RADIUS NAS', session, section: 'radius', body })
}

/** The RADIUS page: the NASes, add (the secret is sealed and never shown), edit (nas-edit.ts), delete. */
export async function radiusRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/radius', async (request, reply) => {
    const [added, updated, unchanged, deleted] = ['added', 'updated', 'unchanged', 'deleted'].map((key) => formValue(request.query, key))
    const done = added ? `NAS "${added}" added.`
      : updated ? `NAS "${updated}" updated.`
      : unchanged ? `NAS "${unchanged}" unchanged: nothing was different.`
      : deleted ? `NAS "${deleted}" deleted.`
      : undefined
    return send(reply, 200, await listPage(services, requireSession(request), notice(done)))
  })

  app.post('/radius', async (request, reply) => {
    const values = nasValues(request.body)
    try {
      await addNas(consoleServices(services, request), { ...settingsFrom(values, formValue(request.body, 'secret')), name: values.name })
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      return send(reply, 400, await listPage(services, requireSession(request), '', values, capitalise(err.message)))
    }
    return reply.redirect(withQuery('/admin/radius', { added: values.name.trim() }), 303)
  })

  app.get('/radius/delete', async (request, reply) => {
    const session = requireSession(request)
    const name = formValue(request.query, 'name')
    const consequence = 'Packets from its networks are dropped from now on, unless another NAS covers them.'
    return send(reply, 200, deleteQuestion({ session, section: 'radius', what: 'NAS', name, consequence, action: '/admin/radius/delete', back: '/admin/radius' }))
  })

  app.post('/radius/delete', async (request, reply) => {
    const name = formValue(request.body, 'name')
    try {
      await deleteNas(consoleServices(services, request), name)
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      return send(reply, 404, await listPage(services, requireSession(request), errorBox(capitalise(err.message))))
    }
    return reply.redirect(withQuery('/admin/radius', { deleted: name.trim() }), 303)
  })

  await app.register(nasEditRoutes, { services })
}
