import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ConsoleSession } from '../../domain/admin-sessions.js'
import { DomainError, UserNotFound } from '../../domain/errors.js'
import type { Services } from '../../domain/services.js'
import { updateUserDetails } from '../../domain/user-admin.js'
import { describeUser } from '../../domain/users.js'
import { transportNames } from '../../transports/queue.js'
import { capitalise, csrfField, errorBox, formValue, selectField, textField, withQuery } from './components.js'
import { html } from './html.js'
import { page } from './layout.js'
import { send } from './reply.js'
import { consoleServices, requireSession } from './session.js'

interface EditForm {
  readonly name: string
  readonly transport: string
  readonly email: string
  readonly phone: string
  readonly hasPin: boolean
  readonly problem?: string
}

/** The form to change a user: what reaches them, and their PIN, which is never shown. */
function editPage(session: ConsoleSession, form: EditForm) {
  const back = withQuery('/admin/user', { name: form.name })
  const pinHint = form.hasPin ? 'A PIN is set. Leave empty to keep it; 4 to 10 digits replace it.' : 'No PIN is set yet. 4 to 10 digits set one; leave empty to set it later.'
  const body = html`<p><a href="${back}">← User ${form.name}</a></p><h1>Edit user ${form.name}</h1>${errorBox(form.problem)}
<form method="post" action="/admin/user/edit" class="panel">${csrfField(session)}<input type="hidden" name="name" value="${form.name}">
${selectField({ name: 'transport', label: 'Transport', value: form.transport, options: transportNames.map((t) => [t, t]), hint: 'How provision codes reach the user: email needs an address, sms a phone number.' })}
${textField({ name: 'email', label: 'Email address', value: form.email, inputmode: 'email', autocomplete: 'off', hint: 'Empty: no address.' })}
${textField({ name: 'phone', label: 'Phone number', value: form.phone, inputmode: 'tel', autocomplete: 'off', hint: 'Empty: no number.' })}
${textField({ name: 'pin', label: 'New PIN', type: 'password', inputmode: 'numeric', autocomplete: 'new-password', hint: pinHint })}
${form.hasPin ? html`<div class="field"><label class="check"><input type="checkbox" name="remove-pin" value="yes"> Remove the PIN</label></div>` : ''}
<div class="actions"><button type="submit">Save changes</button><a class="button secondary" href="${back}">Cancel</a></div></form>`
  return page({ title: `Edit ${form.name}`, session, section: 'users', body })
}

function notFound(reply: FastifyReply, session: ConsoleSession, name: string) {
  const body = html`<p><a href="/admin/users">← User Management</a></p><h1>User not found</h1><p>There is no user "${name}".</p>`
  return send(reply, 404, page({ title: 'User not found', session, section: 'users', body }))
}

/** Edit a user: transport, email address, phone number, and set or remove the PIN. */
export async function userEditRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const current = async (name: string) => {
    const user = await describeUser(services, name)
    return { name: user.name, transport: user.transport, email: user.email ?? '', phone: user.phone ?? '', hasPin: user.hasPin }
  }

  app.get('/user/edit', async (request, reply) => {
    const session = requireSession(request)
    const name = formValue(request.query, 'name')
    try {
      return send(reply, 200, editPage(session, await current(name)))
    } catch (err) {
      if (err instanceof UserNotFound) return notFound(reply, session, name)
      throw err
    }
  })

  app.post('/user/edit', async (request: FastifyRequest, reply) => {
    const session = requireSession(request)
    const field = (key: string) => formValue(request.body, key)
    const name = field('name')
    const pin = field('pin')
    const removePin = field('remove-pin') === 'yes'
    try {
      if (removePin && pin !== '') throw new DomainError('a new PIN and "Remove the PIN" go separately')
      await updateUserDetails(consoleServices(services, request), name, {
        transport: field('transport') || undefined,
        // an empty field removes the address; an empty PIN field keeps the PIN (it is never shown)
        email: field('email').trim() || null,
        phone: field('phone').trim() || null,
        pin: removePin ? null : pin === '' ? undefined : pin,
      })
    } catch (err) {
      if (err instanceof UserNotFound) return notFound(reply, session, name)
      if (!(err instanceof DomainError)) throw err
      const form = { ...(await current(name)), transport: field('transport'), email: field('email'), phone: field('phone') }
      return send(reply, 400, editPage(session, { ...form, problem: capitalise(err.message) }))
    }
    return reply.redirect(withQuery('/admin/user', { name, updated: '1' }), 303)
  })
}
