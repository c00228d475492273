import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ConsoleSession } from '../../domain/admin-sessions.js'
import { DomainError } from '../../domain/errors.js'
import { changeNas, type NasView, showNas } from '../../domain/nas-clients.js'
import type { Services } from '../../domain/services.js'
import { capitalise, csrfField, errorBox, formValue, withQuery } from './components.js'
import { html } from './html.js'
import { page } from './layout.js'
import { nasFields, type NasValues, nasValues, settingsFrom, valuesOf } from './nas-form.js'
import { send } from './reply.js'
import { consoleServices, requireSession } from './session.js'

function editPage(session: ConsoleSession, nas: NasView, values: NasValues, problem?: string) {
  const body = html`<p><a href="/admin/radius">← RADIUS NAS</a></p><h1>Edit NAS ${nas.name}</h1>${errorBox(problem)}
<form method="post" action="/admin/radius/edit" class="panel">${csrfField(session)}${nasFields(values, nas)}
<div class="actions"><button type="submit">Save changes</button><a class="button secondary" href="/admin/radius">Cancel</a></div></form>`
  return page({ title: `Edit NAS ${nas.name}`, session, section: 'radius', body })
}

function notFound(reply: FastifyReply, session: ConsoleSession, name: string) {
  const body = html`<p><a href="/admin/radius">← RADIUS NAS</a></p><h1>NAS not found</h1><p>There is no NAS "${name}".</p>`
  return send(reply, 404, page({ title: 'NAS not found', session, section: 'radius', body }))
}

/** Edit a NAS: everything but its name; an empty secret keeps the sealed one. */
export async function nasEditRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const find = (name: string) => showNas(services, name).catch((err: unknown) => {
    if (err instanceof DomainError) return undefined
    throw err
  })

  app.get('/radius/edit', async (request, reply) => {
    const session = requireSession(request)
    const name = formValue(request.query, 'name')
    const nas = await find(name)
    if (!nas) return notFound(reply, session, name)
    return send(reply, 200, editPage(session, nas, valuesOf(nas)))
  })

  app.post('/radius/edit', async (request, reply) => {
    const session = requireSession(request)
    const values = nasValues(request.body)
    const nas = await find(values.name)
    if (!nas) return notFound(reply, session, values.name)
    let changed: string[]
    try {
      changed = await changeNas(consoleServices(services, request), nas.name, settingsFrom(values, formValue(request.body, 'secret'), nas))
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      return send(reply, 400, editPage(session, nas, values, capitalise(err.message)))
    }
    return reply.redirect(withQuery('/admin/radius', { [changed.length ? 'updated' : 'unchanged']: nas.name }), 303)
  })
}
