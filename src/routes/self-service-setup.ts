import formbody from '@fastify/formbody'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { normaliseAddress } from '../domain/networks.js'
import type { Services } from '../domain/services.js'
import { nameKey } from '../domain/user-names.js'
import { databaseStore } from './rate-limit-store.js'
import { securityHeaders } from './self-service-guard.js'

/** Per client address and per user name: each at most `max` requests a window. */
export const selfServiceLimits = { max: 5, windowMs: 15 * 60_000 }
export const selfServiceBodyLimit = 4096

/**
 * What every self-service page's plugin sets up (provisioning's, the PIN pages'): form bodies,
 * the security headers, and its two rate limits counted in the database under `prefix` (the
 * limits hold across every node and a restart). Its plugins stay inside the caller's plugin:
 * the AgentXML routes keep their raw-body parser and other plugins their own settings.
 */
export async function selfServiceSetup(app: FastifyInstance, services: Services, prefix: string) {
  app.removeAllContentTypeParsers()
  await app.register(formbody, { bodyLimit: selfServiceBodyLimit })
  await app.register(rateLimit, { global: false, store: databaseStore(services, prefix) })
  const { max, windowMs: timeWindow } = selfServiceLimits
  const perAddress = app.createRateLimit({ max, timeWindow, keyGenerator: (request) => `address:${normaliseAddress(request.ip)}` })
  const perUser = app.createRateLimit({ max, timeWindow, keyGenerator: (request) => `user:${userKey(request)}` })
  app.addHook('onSend', async (request, reply) => securityHeaders(request, reply))
  return { perAddress, perUser }
}

/** Rate-limit key of the user name: the name as users are matched (case and surrounding space make no new one). */
function userKey(request: FastifyRequest): string {
  const { username } = (request.body ?? {}) as { username?: unknown }
  return typeof username === 'string' ? nameKey(username) : ''
}
