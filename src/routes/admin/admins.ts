import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ownAccountRefused, removeAdmin, resetAdminPassword } from '../../domain/admin-accounts.js'
import type { ConsoleSession } from '../../domain/admin-sessions.js'
import { addAdmin, adminList } from '../../domain/admins.js'
import { DomainError } from '../../domain/errors.js'
import { minPasswordLength } from '../../domain/passwords.js'
import type { Services } from '../../domain/services.js'
import { badge, capitalise, csrfField, deleteQuestion, errorBox, formValue, notice, textField, withQuery } from './components.js'
import { formatTime, type Html, html } from './html.js'
import { page } from './layout.js'
import { send } from './reply.js'
import { consoleServices, requireSession, setSessionCookie } from './session.js'

const notices: Record<string, (name: string) => string> = {
  added: (name) => `Administrator "${name}" added.`,
  deleted: (name) => `Administrator "${name}" deleted.`,
  password: (name) => `The password of "${name}" was changed; their sessions have ended.`,
  'own-password': () => 'Your password was changed. Your sessions elsewhere have ended; this one goes on.',
}

// the same two fields for adding and resetting; what was typed is never sent back
const passwordFields = () => html`${textField({ name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', required: true, hint: `At least ${minPasswordLength} characters.` })}
${textField({ name: 'again', label: 'Password again', type: 'password', autocomplete: 'new-password', required: true })}`

async function adminsPage(services: Services, session: ConsoleSession, top: Html | '', form: { name?: string; problem?: string } = {}) {
  const admins = await adminList(services)
  const rows = admins.map((admin) => {
    const self = admin.name === session.adminName
    return html`<tr><td>${admin.name}${self ? html` ${badge('muted', 'you')}` : ''}</td>
<td>${admin.lockedUntil ? html`${badge('bad', 'locked')} until ${formatTime(admin.lockedUntil)}` : badge('ok', 'active')}</td>
<td>${admin.failedSignIns}</td><td class="time">${formatTime(admin.createdAt)}</td>
<td class="row-actions"><a href="${withQuery('/admin/admins/password', { name: admin.name })}">Set password…</a>${self ? '' : html`<a href="${withQuery('/admin/admins/delete', { name: admin.name })}">Delete…</a>`}</td></tr>`
  })
  const body = html`<h1>Administrators</h1>${top}
<div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Failed sign-ins</th><th scope="col">Created</th><th scope="col"><span class="muted">Actions</span></th></tr></thead>
<tbody>${rows}</tbody></table></div>
<h2 id="add">Add administrator</h2>${errorBox(form.problem)}
<form method="post" action="/admin/admins" class="panel">${csrfField(session)}
${textField({ name: 'name', label: 'Name', value: form.name, required: true, autocomplete: 'off', hint: 'Letters, digits and . _ @ - (up to 64).' })}
${passwordFields()}
<div class="actions"><button type="submit">Add administrator</button></div></form>`
  return page({ title: 'Administrators', session, section: 'admins', body })
}

function passwordPage(session: ConsoleSession, name: string, problem?: string) {
  const own = name === session.adminName
  const body = html`<p><a href="/admin/admins">← Administrators</a></p><h1>${own ? 'Change your password' : html`Set the password of ${name}`}</h1>${errorBox(problem)}
<form method="post" action="/admin/admins/password" class="panel">${csrfField(session)}<input type="hidden" name="name" value="${name}">
<p>${own ? 'Your sessions in other browsers end; this one goes on.' : `Every session of "${name}" ends, and a lockout is lifted.`}</p>
${passwordFields()}
<div class="actions"><button type="submit">Set password</button><a class="button secondary" href="/admin/admins">Cancel</a></div></form>`
  return page({ title: 'Set password', session, section: 'admins', body })
}

/** Both fields the same, before the domain's rules (length) are asked. */
function assertSamePassword(request: FastifyRequest): string {
  const password = formValue(request.body, 'password')
  if (password !== formValue(request.body, 'again')) throw new DomainError('the two passwords are not the same')
  return password
}

/** Administrators: list, add (password twice), set a password, delete (not yourself, never the last one). */
export async function adminRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const refuse = async (reply: FastifyReply, session: ConsoleSession, err: unknown, form: { name?: string } = {}) => {
    if (!(err instanceof DomainError)) throw err
    return send(reply, 400, await adminsPage(services, session, '', { ...form, problem: capitalise(err.message) }))
  }

  app.get('/admins', async (request, reply) => {
    const done = Object.keys(notices).find((key) => formValue(request.query, key) !== '')
    const info = done ? notices[done]?.(formValue(request.query, done)) : undefined
    return send(reply, 200, await adminsPage(services, requireSession(request), notice(info)))
  })

  app.post('/admins', async (request, reply) => {
    const session = requireSession(request)
    const name = formValue(request.body, 'name').trim()
    try {
      await addAdmin(consoleServices(services, request), name, assertSamePassword(request))
    } catch (err) {
      return refuse(reply, session, err, { name })
    }
    return reply.redirect(withQuery('/admin/admins', { added: name }), 303)
  })

  app.get('/admins/password', async (request, reply) => {
    return send(reply, 200, passwordPage(requireSession(request), formValue(request.query, 'name')))
  })

  app.post('/admins/password', async (request, reply) => {
    const session = requireSession(request)
    const name = formValue(request.body, 'name')
    try {
      const token = await resetAdminPassword(consoleServices(services, request), name, assertSamePassword(request), session.adminName)
      if (token) setSessionCookie(request, reply, token)
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      return send(reply, 400, passwordPage(session, name, capitalise(err.message)))
    }
    return reply.redirect(withQuery('/admin/admins', name === session.adminName ? { 'own-password': '1' } : { password: name }), 303)
  })

  app.get('/admins/delete', async (request, reply) => {
    const session = requireSession(request)
    const name = formValue(request.query, 'name')
    if (name === session.adminName) return refuse(reply, session, new DomainError(ownAccountRefused))
    const consequence = `"${name}" can no longer sign in, and their sessions end now.`
    return send(reply, 200, deleteQuestion({ session, section: 'admins', what: 'administrator', name, consequence, action: '/admin/admins/delete', back: '/admin/admins' }))
  })

  app.post('/admins/delete', async (request, reply) => {
    const session = requireSession(request)
    const name = formValue(request.body, 'name')
    try {
      await removeAdmin(consoleServices(services, request), name, session.adminName)
    } catch (err) {
      return refuse(reply, session, err)
    }
    return reply.redirect(withQuery('/admin/admins', { deleted: name }), 303)
  })
}
