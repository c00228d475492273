import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ConsoleSession } from '../../domain/admin-sessions.js'
import { generateAgentSecret, updateAgent } from '../../domain/agent-admin.js'
import { agentList } from '../../domain/agents.js'
import { DomainError } from '../../domain/errors.js'
import type { Services } from '../../domain/services.js'
import { capitalise, checkField, csrfField, errorBox, formValue, networkList, textareaField, textField, withQuery } from './components.js'
import { html } from './html.js'
import { page } from './layout.js'
import { send } from './reply.js'
import { consoleServices, requireSession } from './session.js'

interface EditForm {
  readonly name: string
  readonly networks: string
  readonly admin: boolean
  readonly problem?: string
}

/** The form to change an agent: its networks, its AdminXML flag and its secret, which is write-only. */
function editPage(session: ConsoleSession, form: EditForm) {
  const body = html`<p><a href="/admin/agents">← Agents</a></p><h1>Edit agent ${form.name}</h1>${errorBox(form.problem)}
<form method="post" action="/admin/agents/edit" class="panel">${csrfField(session)}<input type="hidden" name="name" value="${form.name}">
${textareaField({ name: 'networks', label: 'Allowed networks', value: form.networks, hint: 'One CIDR a line; this list replaces the current one. Empty: this host only (127.0.0.1/32 and ::1/128).' })}
${textField({ name: 'secret', label: 'New shared secret', type: 'password', autocomplete: 'new-password', hint: 'Leave empty to keep the current secret (it is never shown). 8 to 256 characters replace it.' })}
${checkField('generate', 'Generate a new secret (shown once, after saving)', false)}
${checkField('admin', 'May use AdminXML (admin agent)', form.admin)}
<div class="actions"><button type="submit">Save changes</button><a class="button secondary" href="/admin/agents">Cancel</a></div></form>`
  return page({ title: `Edit agent ${form.name}`, session, section: 'agents', body })
}

function notFound(reply: FastifyReply, session: ConsoleSession, name: string) {
  const body = html`<p><a href="/admin/agents">← Agents</a></p><h1>Agent not found</h1><p>There is no agent "${name}".</p>`
  return send(reply, 404, page({ title: 'Agent not found', session, section: 'agents', body }))
}

/** Edit an agent: networks, AdminXML flag, a new secret (typed, or generated and shown once). */
export async function agentEditRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const find = async (name: string) => (await agentList(services)).find((agent) => agent.name === name)

  app.get('/agents/edit', async (request, reply) => {
    const session = requireSession(request)
    const name = formValue(request.query, 'name')
    const agent = await find(name)
    if (!agent) return notFound(reply, session, name)
    return send(reply, 200, editPage(session, { name: agent.name, networks: agent.networks.join('\n'), admin: agent.admin }))
  })

  app.post('/agents/edit', async (request, reply) => {
    const session = requireSession(request)
    const field = (key: string) => formValue(request.body, key)
    const name = field('name')
    const networks = field('networks')
    const admin = field('admin') === 'yes'
    const generate = field('generate') === 'yes'
    if (!(await find(name))) return notFound(reply, session, name)
    let secret: string | undefined
    try {
      if (generate && field('secret') !== '') throw new DomainError('type a new secret or have one generated, not both')
      secret = generate ? generateAgentSecret() : field('secret') === '' ? undefined : field('secret')
      await updateAgent(consoleServices(services, request), name, { networks: networkList(networks), admin, secret })
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      return send(reply, 400, editPage(session, { name, networks, admin, problem: capitalise(err.message) }))
    }
    if (!generate) return reply.redirect(withQuery('/admin/agents', { updated: name }), 303)
    const body = html`<p><a href="/admin/agents">← Agents</a></p><h1>Agent ${name} updated</h1>
<div class="notice" role="status"><p>The new shared secret of agent "${name}" is shown only this once; copy it now. The old one no longer works.</p>
<p><code class="secret" id="agent-secret">${secret}</code></p></div>`
    return send(reply, 200, page({ title: `Agent ${name} updated`, session, section: 'agents', body }))
  })
}
