import type { FastifyInstance, FastifyRequest } from 'fastify'
import { createAgent, removeAgent } from '../../domain/agent-admin.js'
import type { ConsoleSession } from '../../domain/admin-sessions.js'
import { agentList } from '../../domain/agents.js'
import { DomainError } from '../../domain/errors.js'
import type { Services } from '../../domain/services.js'
import { agentEditRoutes } from './agent-edit.js'
import { badge, capitalise, checkField, csrfField, deleteQuestion, errorBox, formValue, networkList, notice, textareaField, textField, withQuery } from './components.js'
import { type Html, formatTime, html } from './html.js'
import { page } from './layout.js'
import { send } from './reply.js'
import { consoleServices, requireSession } from './session.js'

interface AgentForm {
  readonly name?: string
  readonly networks?: string
  readonly admin?: boolean
  readonly problem?: string
}

async function agentsPage(services: Services, session: ConsoleSession, top: Html | '', form: AgentForm = {}) {
  const agents = await agentList(services)
  const csrf = csrfField(session)
  const body = html`<h1>Agents</h1>${top}
<table><thead><tr><th scope="col">Name</th><th scope="col">Networks</th><th scope="col">AdminXML</th><th scope="col">Created</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>${agents.length ? agents.map((a) => html`<tr><td>${a.name}</td><td>${a.networks.join(', ')}</td><td>${a.admin ? badge('ok', 'admin agent') : badge('muted', 'no')}</td><td>${formatTime(a.createdAt)}</td>
<td><a href="${withQuery('/admin/agents/edit', { name: a.name })}">Edit…</a> <a href="${withQuery('/admin/agents/delete', { name: a.name })}">Delete…</a></td></tr>`) : html`<tr><td colspan="5" class="muted">No agents yet.</td></tr>`}</tbody></table>
<h2 id="add">Add agent</h2>${errorBox(form.problem)}
<form method="post" action="/admin/agents" class="panel">${csrf}
${textField({ name: 'name', label: 'Agent name', value: form.name, required: true, autocomplete: 'off' })}
${textField({ name: 'secret', label: 'Shared secret', type: 'password', autocomplete: 'new-password', hint: 'Leave empty to have a strong one generated. It is shown once, after adding.' })}
${textareaField({ name: 'networks', label: 'Allowed networks', value: form.networks, hint: 'One CIDR a line (10.0.0.0/8, 2001:db8::/32). Empty: this host only (127.0.0.1/32 and ::1/128).' })}
${checkField('admin', 'May use AdminXML (admin agent)', form.admin ?? false)}
<div class="actions"><button type="submit">Add agent</button></div></form>`
  return page({ title: 'Agents', session, section: 'agents', body })
}

/** Agents: list, add (the secret is shown once), edit (agent-edit.ts), delete. */
export async function agentRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/agents', async (request, reply) => {
    const deleted = formValue(request.query, 'deleted')
    const updated = formValue(request.query, 'updated')
    const done = deleted ? `Agent "${deleted}" deleted.` : updated ? `Agent "${updated}" updated.` : undefined
    return send(reply, 200, await agentsPage(services, requireSession(request), notice(done)))
  })

  app.post('/agents', async (request: FastifyRequest, reply) => {
    const session = requireSession(request)
    const name = formValue(request.body, 'name')
    const networks = formValue(request.body, 'networks')
    const admin = formValue(request.body, 'admin') === 'yes'
    try {
      const secret = await createAgent(consoleServices(services, request), {
        name,
        secret: formValue(request.body, 'secret'),
        networks: networkList(networks),
        admin,
      })
      const shown = html`<div class="notice" role="status"><p>Agent "${name.trim()}" added. Its shared secret is shown only this once; copy it now:</p>
<p><code class="secret" id="agent-secret">${secret}</code></p></div>`
      return send(reply, 200, await agentsPage(services, session, shown))
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      return send(reply, 400, await agentsPage(services, session, '', { name, networks, admin, problem: capitalise(err.message) }))
    }
  })

  app.get('/agents/delete', async (request, reply) => {
    const session = requireSession(request)
    const name = formValue(request.query, 'name')
    const consequence = "Requests with this agent's secret are refused from now on."
    return send(reply, 200, deleteQuestion({ session, section: 'agents', what: 'agent', name, consequence, action: '/admin/agents/delete', back: '/admin/agents' }))
  })

  app.post('/agents/delete', async (request, reply) => {
    const name = formValue(request.body, 'name')
    try {
      await removeAgent(consoleServices(services, request), name)
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      return send(reply, 404, await agentsPage(services, requireSession(request), errorBox(capitalise(err.message))))
    }
    return reply.redirect(withQuery('/admin/agents', { deleted: name }), 303)
  })

  await app.register(agentEditRoutes, { services })
}
