import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { readDelivery } from '../domain/delivery.js'
import { readPolicies } from '../domain/policy.js'
import { describeDuration } from '../domain/provision-message.js'
import { selfProvision } from '../domain/self-provision.js'
import type { Services } from '../domain/services.js'
import { requestServices } from './request-services.js'
import { crossSite, issueCsrf, validCsrf } from './self-service-guard.js'
import { type PageState, renderPage } from './self-service-page.js'
import { selfServiceBodyLimit, selfServiceLimits, selfServiceSetup } from './self-service-setup.js'

/** The legacy address first; the second is the user portal's. */
export const selfServicePaths = ['/reset/provision.jsp', '/userportal/provision'] as const

export { selfServiceLimits }
/** Every confirmation takes at least this long, so timing does not tell which user names exist. */
const minimumReplyMs = 300
const bodyLimit = selfServiceBodyLimit

interface Form {
  username?: unknown
  _csrf?: unknown
}

/**
 * `GET|POST /reset/provision.jsp` and `/userportal/provision`: a user asks for a provision code
 * (docs/protocol.md §5). Its plugins (form bodies, rate limits) stay inside this plugin: the AgentXML
 * routes keep their raw-body parser and other plugins their own settings.
 */
export async function selfServiceRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { perAddress, perUser } = await selfServiceSetup(app, services, 'self-service')
  app.setErrorHandler((error: { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    if (status === 500) requestServices(services, request).log.error({ err: error }, 'self-service page failed')
    const message = status === 413 ? 'That was too much data for this form.' : status === 500 ? 'Something went wrong on the server.' : 'The form could not be read.'
    return page(reply, status, { kind: 'problem', title: 'Error', message, action: actionOf(request) })
  })

  const showForm = async (request: FastifyRequest, reply: FastifyReply) => {
    const policies = await readPolicies(services)
    if (!policies['self-provision']) return page(reply, 200, { kind: 'disabled' })
    return page(reply, 200, { kind: 'form', action: actionOf(request), csrfToken: issueCsrf(services.keys, request, reply) })
  }

  const submit = async (request: FastifyRequest<{ Body: Form }>, reply: FastifyReply) => {
    const started = Date.now()
    const scoped = requestServices(services, request)
    const policies = await readPolicies(services)
    if (!policies['self-provision']) return page(reply, 403, { kind: 'disabled' })
    const action = actionOf(request)
    if (crossSite(request, (await readDelivery(services)).publicUrl?.host)) {
      scoped.log.warn({ event: 'selfProvisionCrossSite', origin: String(request.headers.origin ?? '').slice(0, 200) }, 'Self-service provision request refused: posted from another site')
      return page(reply, 403, { kind: 'problem', title: 'Refused', message: 'This form can only be sent from its own page.', action })
    }
    if (await limited(request, reply, perAddress, 'address')) return reply
    const body = request.body ?? {}
    const retry = (status: number, fields: { fieldError?: string; notice?: string }) =>
      page(reply, status, { kind: 'form', action, csrfToken: issueCsrf(services.keys, request, reply), username: echo(body.username), ...fields })
    if (typeof body._csrf !== 'string' || !validCsrf(services.keys, request, body._csrf)) {
      scoped.log.warn({ event: 'selfProvisionCsrf' }, 'Self-service provision request refused: missing or wrong form token')
      return retry(403, { notice: 'This page had expired. Please send the form again.' })
    }
    const checked = checkUsername(body.username)
    if ('error' in checked) return retry(400, { fieldError: checked.error })
    if (await limited(request, reply, perUser, 'user')) return reply
    await selfProvision(scoped, checked.name)
    // the same page, as late, whether or not the user exists or can be sent a code
    await sleep(Math.max(0, started + minimumReplyMs - Date.now()))
    return page(reply, 200, { kind: 'sent', action, username: checked.name, validity: describeDuration(policies['provision-code-validity']) })
  }

  const limited = async (request: FastifyRequest, reply: FastifyReply, limit: typeof perAddress, kind: string) => {
    const result = await limit(request)
    if (result.isAllowed || !result.isExceeded) return false
    requestServices(services, request).log.warn({ event: 'selfProvisionLimited', limit: kind }, `Self-service provision request refused: too many requests for this ${kind}`)
    const minutes = Math.max(1, Math.ceil(result.ttlInSeconds / 60))
    reply.header('retry-after', String(result.ttlInSeconds))
    await page(reply, 429, {
      kind: 'problem',
      title: 'Too many requests',
      message: `Too many requests. Please wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`,
      action: actionOf(request),
    })
    return true
  }

  for (const path of selfServicePaths) {
    app.get(path, showForm)
    app.post<{ Body: Form }>(path, { bodyLimit }, submit)
  }
}

function page(reply: FastifyReply, status: number, state: PageState) {
  return reply.code(status).type('text/html; charset=utf-8').send(renderPage(state))
}

const actionOf = (request: FastifyRequest) => request.routeOptions.url ?? selfServicePaths[0]

const echo = (value: unknown) => (typeof value === 'string' ? value.slice(0, 128) : undefined)

/** The rules of user names (domain/users.ts), worded for the person at the form. */
function checkUsername(value: unknown): { name: string } | { error: string } {
  if (Array.isArray(value)) return { error: 'Enter one user name.' }
  const name = typeof value === 'string' ? value.trim() : ''
  if (name === '') return { error: 'Enter your user name.' }
  if (name.length > 128) return { error: 'A user name has at most 128 characters.' }
  if (/[\p{Cc}"]/u.test(name)) return { error: 'A user name cannot contain quotes or control characters.' }
  return { name }
}
