import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { requestServices } from '../request-services.js'
import { csrfMatches, resumeSession } from '../../domain/admin-sessions.js'
import type { Config } from '../../config.js'
import type { Services } from '../../domain/services.js'
import { adminRoutes } from './admins.js'
import { agentRoutes } from './agents.js'
import { formValue } from './components.js'
import { html } from './html.js'
import { page } from './layout.js'
import { logRoutes } from './log.js'
import { logCsvRoutes } from './log-csv.js'
import { policyRoutes } from './policy.js'
import { queueRoutes } from './queue.js'
import { radiusRoutes } from './radius.js'
import { repositoryRoutes } from './repositories.js'
import { send } from './reply.js'
import { settingsRoutes } from './settings.js'
import { clearSessionCookie, rememberSession, sessionOf, sessionCookie } from './session.js'
import { signInRoutes } from './sign-in.js'
import { cssHash } from './style.js'
import { userRoutes } from './users.js'

/** Reached without a session; everything else under /admin needs one. */
const publicRoutes = new Set(['/admin/sign-in'])

const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': `default-src 'none'; style-src '${cssHash}'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
}

/**
 * The web console under `/admin`: server-rendered HTML that works without JavaScript. Its form
 * and cookie parsers, hooks and error pages live in this encapsulated plugin only, so they never
 * touch the AgentXML routes (which read raw bodies) or any other part of the server.
 */
export async function adminConsole(app: FastifyInstance, { services, config }: { services: Services; config: Config }) {
  app.removeAllContentTypeParsers()
  await app.register(formbody)
  await app.register(cookie)

  app.addHook('onRequest', async (request, reply) => {
    reply.headers(securityHeaders)
    if (request.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000')
    const token = request.cookies[sessionCookie]
    const session = await resumeSession(services, token)
    if (session) rememberSession(request, session)
    else if (!publicRoutes.has(request.routeOptions.url ?? '')) {
      if (token) clearSessionCookie(request, reply)
      return reply.redirect(token ? '/admin/sign-in?expired=1' : '/admin/sign-in', 303)
    }
  })

  // every state-changing form carries the session's CSRF token (sign-in has its own, see sign-in.ts)
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' || publicRoutes.has(request.routeOptions.url ?? '')) return
    const session = sessionOf(request)
    const crossSite = request.headers['sec-fetch-site'] === 'cross-site'
    if (!session || crossSite || !csrfMatches(session, formValue(request.body, 'csrf'))) {
      requestServices(services, request).log.warn({ admin: session?.adminName }, 'admin console form refused: CSRF token missing or wrong')
      return refused(reply, request)
    }
  })

  app.setErrorHandler((error: { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    if (status === 500) requestServices(services, request).log.error({ err: error }, 'admin console error')
    const text = status === 500 ? 'Something went wrong. The error has been logged.' : 'The request could not be handled.'
    return send(reply, status, page({ title: 'Error', session: sessionOf(request), body: html`<h1>Error</h1><p>${text}</p>` }))
  })
  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, page({ title: 'Not found', session: sessionOf(request), body: html`<h1>Not found</h1><p>There is no such page.</p>` })),
  )

  app.get('/', async (_request, reply) => reply.redirect('/admin/users', 303))
  await app.register(signInRoutes, { services })
  await app.register(userRoutes, { services })
  await app.register(repositoryRoutes, { services })
  await app.register(policyRoutes, { services })
  await app.register(settingsRoutes, { services, config })
  await app.register(agentRoutes, { services })
  await app.register(radiusRoutes, { services })
  await app.register(queueRoutes, { services })
  await app.register(logRoutes, { services })
  await app.register(logCsvRoutes, { services })
  await app.register(adminRoutes, { services })
}

function refused(reply: FastifyReply, request: FastifyRequest) {
  const body = html`<h1>Form expired</h1><p>This form has expired or did not come from this console. Go back, reload the page and try again.</p>`
  return send(reply, 403, page({ title: 'Form expired', session: sessionOf(request), body }))
}
