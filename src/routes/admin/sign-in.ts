import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { requestServices } from '../request-services.js'
import { hasAdmins } from '../../domain/admin-accounts.js'
import { adminMessages } from '../../domain/admin-messages.js'
import { endSession, startSession } from '../../domain/admin-sessions.js'
import { signIn } from '../../domain/admins.js'
import { normaliseAddress } from '../../domain/networks.js'
import type { Services } from '../../domain/services.js'
import { safeEqual } from '../../secrets.js'
import { errorBox, formValue, notice, textField } from './components.js'
import { html } from './html.js'
import { page } from './layout.js'
import { send } from './reply.js'
import {
  clearSessionCookie,
  consoleServices,
  cookieOptions,
  requireSession,
  sessionOf,
  setSessionCookie,
  signInCookie,
} from './session.js'

/** The same words for every failure: they never tell whether the name exists or is locked. */
export const signInFailed = 'Sign-in failed. Check the name and password. After repeated failures an account is locked for a while.'

const notices: Record<string, string> = {
  expired: 'Your session has ended. Please sign in again.',
  'signed-out': 'You have signed out.',
}

/** Until the first administrator exists: the console cannot create one, the command on the server can. */
const setupHint = html`<div class="notice info" role="note"><p>No administrator exists yet. Add the first one on the server:</p>
<p><code class="command">npx agentxml admin add NAME</code></p><p>It asks for a password; then sign in here with that name and password.</p></div>`

async function signInPage(services: Services, request: FastifyRequest, reply: FastifyReply, status: number, name: string, problem?: string) {
  // double submit: the form's token must equal the cookie's, which another site can neither read nor set
  const token = randomBytes(24).toString('base64url')
  reply.setCookie(signInCookie, token, { ...cookieOptions(request, '/admin/sign-in'), maxAge: 3600 })
  const query = request.query as Record<string, unknown>
  const info = notices[Object.keys(notices).find((key) => formValue(query, key) === '1') ?? '']
  const body = html`<div class="signin panel"><h1>Administrator sign-in</h1>
${(await hasAdmins(services)) ? '' : setupHint}${notice(problem ? undefined : info)}${errorBox(problem)}
<form method="post" action="/admin/sign-in"><input type="hidden" name="csrf" value="${token}">
${textField({ name: 'name', label: 'Name', value: name, autocomplete: 'username', required: true })}
${textField({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', required: true })}
<div class="actions"><button type="submit">Sign in</button></div></form></div>`
  return send(reply, status, page({ title: 'Sign in', body }))
}

export async function signInRoutes(app: FastifyInstance, { services }: { services: Services }) {
  app.get('/sign-in', async (request, reply) => {
    if (sessionOf(request)) return reply.redirect('/admin/users', 303)
    return signInPage(services, request, reply, 200, '')
  })

  app.post('/sign-in', async (request, reply) => {
    const name = formValue(request.body, 'name')
    const password = formValue(request.body, 'password')
    const expected = request.cookies[signInCookie] ?? ''
    const presented = formValue(request.body, 'csrf')
    if (!expected || !safeEqual(Buffer.from(expected), Buffer.from(presented))) {
      return signInPage(services, request, reply, 403, name, 'The sign-in form had expired. Please try again.')
    }
    const ip = normaliseAddress(request.ip)
    // the name tried goes in as `admin`; whoever may already be signed in in this browser does not
    const scoped = requestServices(services, request)
    const admin = await signIn(scoped, name, password, ip)
    if (!admin) return signInPage(services, request, reply, 403, name, signInFailed)
    // a new token at every sign-in: nothing an attacker planted before survives
    setSessionCookie(request, reply, await startSession(services, admin))
    reply.clearCookie(signInCookie, cookieOptions(request, '/admin/sign-in'))
    return reply.redirect('/admin/users', 303)
  })

  app.post('/sign-out', async (request, reply) => {
    const session = requireSession(request)
    await endSession(services, session)
    consoleServices(services, request).log.info({ event: 'adminSignOut' }, adminMessages.adminSignOut(session.adminName))
    clearSessionCookie(request, reply)
    return reply.redirect('/admin/sign-in?signed-out=1', 303)
  })
}
