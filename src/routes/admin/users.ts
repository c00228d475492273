import type { FastifyInstance } from 'fastify'
import { countUsers, type DirectoryEntry, pageUsers } from '../../db/repositories/user-directory.js'
import { DomainError } from '../../domain/errors.js'
import type { Services } from '../../domain/services.js'
import { lockedNow } from '../../domain/lockout.js'
import { holdsNul } from '../../domain/nul.js'
import { readPolicies } from '../../domain/policy.js'
import { createUser } from '../../domain/user-admin.js'
import { transportNames } from '../../transports/queue.js'
import { badge, capitalise, csrfField, errorBox, formValue, notice, pageNumber, pager, selectField, textField, withQuery } from './components.js'
import { formatTime, html } from './html.js'
import { page } from './layout.js'
import { send } from './reply.js'
import { consoleServices, requireSession } from './session.js'
import { userDetailRoutes } from './user-detail.js'
import { userEditRoutes } from './user-edit.js'

export const usersPerPage = 25

const userLink = (name: string) => withQuery('/admin/user', { name })

function row(user: DirectoryEntry, now: number, locked: boolean) {
  const destination = user.transport === 'sms' ? user.phone : (user.email ?? user.phone)
  const pending = user.code_expires_at !== null && user.code_expires_at > now
  return html`<tr><td><a href="${userLink(user.name)}">${user.name}</a></td><td>${user.transport}</td><td>${destination ?? ''}</td>
<td>${user.device_bound_at === null ? badge('muted', 'none') : html`${formatTime(user.device_bound_at)}${user.device_os ? html`<br><span class="muted">${user.device_os}</span>` : ''}`}</td>
<td>${pending ? html`expires ${formatTime(user.code_expires_at)}` : ''}</td>
<td>${locked ? badge('bad', 'locked') : badge('ok', 'active')}</td></tr>`
}

interface NewUserForm {
  readonly values: Readonly<Record<string, string>>
  readonly problem?: string
}

function newUserForm(csrf: ReturnType<typeof csrfField>, form: NewUserForm) {
  const v = form.values
  return html`<h1>Add user</h1>${errorBox(form.problem)}
<form method="post" action="/admin/users/new" class="panel">${csrf}
${textField({ name: 'name', label: 'User name', value: v.name, required: true, autocomplete: 'off' })}
${selectField({ name: 'transport', label: 'Transport', value: v.transport ?? '', options: [['', 'by what is given: email, else sms, else outbox'], ...transportNames.map((t) => [t, t] as const)], hint: 'How provision codes reach the user: email when an address is given, else sms when a phone number is, else outbox (written to outbox.jsonl on the server).' })}
${textField({ name: 'email', label: 'Email address', value: v.email, inputmode: 'email', autocomplete: 'off' })}
${textField({ name: 'phone', label: 'Phone number', value: v.phone, inputmode: 'tel', autocomplete: 'off' })}
${textField({ name: 'pin', label: 'PIN', type: 'password', inputmode: 'numeric', autocomplete: 'new-password', hint: '4 to 10 digits, not easy to guess; leave empty to send the user a random PIN by their transport (policy “Send a PIN to new mobile users”).' })}
<div class="actions"><button type="submit">Add user</button><a class="button secondary" href="/admin/users">Cancel</a></div></form>`
}

/** User Management: the list with search and paging, and the form to add a user. */
export async function userRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/users', async (request, reply) => {
    const session = requireSession(request)
    const search = formValue(request.query, 'q').trim()
    const current = pageNumber(formValue(request.query, 'page'))
    // a search holding U+0000 matches no stored text (domain/nul.ts)
    const [users, total] = holdsNul(search)
      ? [[], 0]
      : await Promise.all([pageUsers(services.db, search, usersPerPage, (current - 1) * usersPerPage), countUsers(services.db, search)])
    const added = formValue(request.query, 'added')
    const deleted = formValue(request.query, 'deleted')
    const now = services.now()
    const policies = await readPolicies(services)
    const body = html`<h1>User Management</h1>
${notice(added ? `User "${added}" added.` : deleted ? `User "${deleted}" deleted.` : undefined)}
<form method="get" action="/admin/users" class="toolbar" role="search">
${textField({ name: 'q', label: 'Find users by name, email or phone', type: 'search', value: search })}
<button type="submit">Search</button>${search ? html`<a class="button secondary" href="/admin/users">Show all</a>` : ''}
<a class="button secondary" href="/admin/users/new">Add user</a></form>
<table><thead><tr><th scope="col">User</th><th scope="col">Transport</th><th scope="col">Destination</th><th scope="col">Device</th><th scope="col">Provision code</th><th scope="col">Status</th></tr></thead>
<tbody>${users.length ? users.map((user) => row(user, now, lockedNow(user, policies, now))) : html`<tr><td colspan="6" class="muted">${search ? 'No user matches this search.' : 'No users yet.'}</td></tr>`}</tbody></table>
${pager({ page: current, pageSize: usersPerPage, total, link: (n) => withQuery('/admin/users', { q: search, page: n }) })}`
    return send(reply, 200, page({ title: 'User Management', session, section: 'users', body }))
  })

  app.get('/users/new', async (request, reply) => {
    const session = requireSession(request)
    return send(reply, 200, page({ title: 'Add user', session, section: 'users', body: newUserForm(csrfField(session), { values: {} }) }))
  })

  app.post('/users/new', async (request, reply) => {
    const session = requireSession(request)
    const values = Object.fromEntries(['name', 'transport', 'email', 'phone'].map((key) => [key, formValue(request.body, key)]))
    try {
      const name = await createUser(consoleServices(services, request), { ...values, name: values.name ?? '', pin: formValue(request.body, 'pin') })
      return reply.redirect(withQuery('/admin/user', { name, added: '1' }), 303)
    } catch (err) {
      if (!(err instanceof DomainError)) throw err
      const body = newUserForm(csrfField(session), { values, problem: capitalise(err.message) })
      return send(reply, 400, page({ title: 'Add user', session, section: 'users', body }))
    }
  })

  await app.register(userDetailRoutes, { services })
  await app.register(userEditRoutes, { services })
}
