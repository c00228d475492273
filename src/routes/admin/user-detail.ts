import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ConsoleSession } from '../../domain/admin-sessions.js'
import { DomainError, UserNotFound } from '../../domain/errors.js'
import { resetPin } from '../../domain/pin-issue.js'
import type { Services } from '../../domain/services.js'
import { removeUser, reprovisionUser, unlockUserAccount } from '../../domain/user-admin.js'
import { describeUser, type UserView } from '../../domain/users.js'
import { badge, capitalise, csrfField, deleteQuestion, errorBox, formValue, notice, withQuery } from './components.js'
import { formatTime, html } from './html.js'
import { page } from './layout.js'
import { send } from './reply.js'
import { consoleServices, requireSession } from './session.js'

const notices: Record<string, (name: string) => string> = {
  added: (name) => `User "${name}" added.`,
  reprovisioned: (name) => `A new provision code for "${name}" was created and queued to their transport. It is never shown here.`,
  unlocked: (name) => `User "${name}" unlocked.`,
  pinReset: (name) => `A new PIN for "${name}" replaced the old one and was queued to their transport. It is never shown here.`,
  updated: (name) => `User "${name}" updated.`,
}

function details(user: UserView) {
  const lock = user.lockedAt
    ? html`${badge('bad', 'locked')} since ${formatTime(user.lockedAt)}, ${user.unlocksAt ? html`until ${formatTime(user.unlocksAt)}` : 'until unlocked'}`
    : html`${badge('ok', 'not locked')}`
  return html`<dl class="details">
<dt>Source</dt><dd>${user.source}</dd>
${user.groups.length > 0 ? html`<dt>Directory groups</dt><dd>${user.groups.join(', ')}</dd>` : ''}
<dt>Transport</dt><dd>${user.transport}</dd>
<dt>Email address</dt><dd>${user.email ?? '—'}</dd>
<dt>Phone number</dt><dd>${user.phone ?? '—'}</dd>
<dt>PIN</dt><dd>${pinStatus(user)}</dd>
<dt>Mobile client</dt><dd>${user.mobile ? 'allowed' : html`${badge('bad', 'not allowed')} no mobile right: provision codes are refused`}</dd>
<dt>Lock state</dt><dd>${lock} <span class="muted">(${user.failedLogins} failed logins)</span></dd>
<dt>Device</dt><dd>${user.device ? html`bound ${formatTime(user.device.boundAt)}${user.device.deviceOs ? html`, DeviceOS <strong>${user.device.deviceOs}</strong>` : ''}` : 'no device provisioned'}</dd>
<dt>Pending provision code</dt><dd>${user.pendingCodeExpiresAt ? html`expires ${formatTime(user.pendingCodeExpiresAt)}` : 'none'}</dd>
<dt>Created</dt><dd>${formatTime(user.createdAt)}</dd></dl>`
}

/** "set on DATE, expires DATE", "not set". */
function pinStatus(user: UserView): string {
  if (!user.hasPin) return 'not set'
  const set = user.pinSetAt === null ? 'set' : `set on ${formatTime(user.pinSetAt)}`
  return user.pinExpiresAt === undefined ? set : `${set}, expires ${formatTime(user.pinExpiresAt)}`
}

function userPage(session: ConsoleSession, user: UserView, info?: string, problem?: string) {
  const csrf = csrfField(session)
  const body = html`<p><a href="/admin/users">← User Management</a></p><h1>User ${user.name}</h1>
${notice(info)}${errorBox(problem)}
<section class="panel">${details(user)}
<div class="actions">
<form method="post" action="/admin/user/reprovision">${csrf}<input type="hidden" name="name" value="${user.name}"><button type="submit">Reprovision</button></form>
<form method="post" action="/admin/user/reset-pin">${csrf}<input type="hidden" name="name" value="${user.name}"><button type="submit" class="secondary">Reset PIN</button></form>
${user.lockedAt ? html`<form method="post" action="/admin/user/unlock">${csrf}<input type="hidden" name="name" value="${user.name}"><button type="submit" class="secondary">Unlock</button></form>` : ''}
<a class="button secondary" href="${withQuery('/admin/user/edit', { name: user.name })}">Edit…</a>
<a class="button secondary" href="${withQuery('/admin/user/delete', { name: user.name })}">Delete…</a>
</div></section>`
  return page({ title: `User ${user.name}`, session, section: 'users', body })
}

function notFound(reply: FastifyReply, session: ConsoleSession, name: string) {
  const body = html`<p><a href="/admin/users">← User Management</a></p><h1>User not found</h1><p>There is no user "${name}".</p>`
  return send(reply, 404, page({ title: 'User not found', session, section: 'users', body }))
}

/** One user's page and its buttons: Reprovision, Reset PIN, Unlock, Delete. */
export async function userDetailRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const show = async (request: FastifyRequest, reply: FastifyReply, name: string, status: number, info?: string, problem?: string) => {
    const session = requireSession(request)
    try {
      return send(reply, status, userPage(session, await describeUser(services, name), info, problem))
    } catch (err) {
      if (err instanceof UserNotFound) return notFound(reply, session, name)
      throw err
    }
  }

  app.get('/user', async (request, reply) => {
    const name = formValue(request.query, 'name')
    const done = Object.keys(notices).find((key) => formValue(request.query, key) === '1')
    return show(request, reply, name, 200, done ? notices[done]?.(name) : undefined)
  })

  const action = (path: string, done: string, run: (services: Services, name: string) => Promise<unknown>) =>
    app.post(path, async (request, reply) => {
      const name = formValue(request.body, 'name')
      try {
        await run(consoleServices(services, request), name)
      } catch (err) {
        if (err instanceof UserNotFound) return notFound(reply, requireSession(request), name)
        if (err instanceof DomainError) return show(request, reply, name, 400, undefined, capitalise(err.message))
        throw err
      }
      return reply.redirect(withQuery('/admin/user', { name, [done]: '1' }), 303)
    })
  action('/user/reprovision', 'reprovisioned', reprovisionUser)
  action('/user/reset-pin', 'pinReset', (scoped, name) => resetPin(scoped, name, { print: false }))
  // only a lock in force is lifted: a lapsed one is already gone for the user (domain/lockout.ts)
  action('/user/unlock', 'unlocked', async (scoped, name) => {
    if ((await describeUser(scoped, name)).lockedAt === null) throw new DomainError(`user "${name}" is not locked`)
    return unlockUserAccount(scoped, name)
  })

  app.get('/user/delete', async (request, reply) => {
    const session = requireSession(request)
    const name = formValue(request.query, 'name')
    const consequence = 'The user, their device, security strings and any pending provision code are removed. This cannot be undone.'
    return send(reply, 200, deleteQuestion({ session, section: 'users', what: 'user', name, consequence, action: '/admin/user/delete', back: withQuery('/admin/user', { name }) }))
  })

  app.post('/user/delete', async (request, reply) => {
    const name = formValue(request.body, 'name')
    try {
      await removeUser(consoleServices(services, request), name)
    } catch (err) {
      if (err instanceof UserNotFound) return notFound(reply, requireSession(request), name)
      throw err
    }
    return reply.redirect(withQuery('/admin/users', { deleted: name }), 303)
  })
}
