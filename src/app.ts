import type { ServerOptions } from 'node:http'
import { hostname } from 'node:os'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'
import { proxyTrust } from './domain/networks.js'
import { readDelivery } from './domain/delivery.js'
import type { DeliverySettings, Services } from './domain/services.js'
import { adminConsole } from './routes/admin/index.js'
import { adminXmlRoutes } from './routes/admin-xml.js'
import { agentXmlRoutes } from './routes/agent-xml.js'
import { refuseInvalidClientAddress } from './routes/client-address.js'
import { clientError, frameworkError, refuseMissingHost } from './routes/framework-errors.js'
import { healthRoutes } from './routes/health.js'
import { notFoundBody, refusedBody, xmlContentType } from './routes/replies.js'
import { requestServices } from './routes/request-services.js'
import { pinPageRoutes } from './routes/pin-pages.js'
import { selfServiceRoutes } from './routes/self-service.js'
import { type SiteDetails, siteLookupRoutes } from './routes/site-lookup.js'
import { tokenIndexRoutes } from './routes/token-index.js'

/** Bodies over this are refused with 413 before they are read further (docs/protocol.md §1). */
export const bodyLimit = 64 * 1024

export interface AppOptions {
  readonly config: Config
  readonly services: Services
  readonly https?: { readonly key: Buffer; readonly cert: Buffer }
}

/** The whole HTTP application; it never listens (server.ts does), so tests drive it with inject(). */
export async function buildApp({ config, services, https }: AppOptions): Promise<FastifyInstance> {
  const timeouts = {
    requestTimeout: config.requestTimeout * 1000,
    headersTimeout: Math.min(60_000, config.requestTimeout * 1000),
    connectionsCheckingInterval: 1000,
    // node's own refusal of HTTP/1.1 without Host is an empty 400: refuseMissingHost answers in XML
    requireHostHeader: false,
  }
  const options: FastifyServerOptions & { http?: ServerOptions; https?: object } = {
    // no logger for fastify itself: the server's lines go through requestServices (request-services.ts)
    bodyLimit,
    trustProxy: config.trustProxy ? proxyTrust(config.trustProxy) : false,
    // fastify's own 503 while closing is JSON; a request still arriving on an open connection while
    // the server drains is served instead (the database closes only after the last one)
    return503OnClosing: false,
    frameworkErrors: frameworkError(services),
    clientErrorHandler: clientError(services),
    // a client that sends a request slowly, or never finishes it, does not hold a connection for
    // ever: it gets 408 (in XML, see clientError). node checks open connections every second, and
    // enforces the limit only when the one for headers is no longer (its default is 60 s)
    requestTimeout: timeouts.requestTimeout,
    http: timeouts,
    ...(https ? { https: { ...https, ...timeouts } } : {}),
  }
  const app = Fastify(options) as unknown as FastifyInstance
  app.setNotFoundHandler((_request, reply) => reply.code(404).type(xmlContentType).send(notFoundBody()))
  app.setErrorHandler((error: { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    const { log } = requestServices(services, request)
    if (status === 500) log.error({ err: error }, 'internal error')
    else log.warn({ errorCode: error.code, status }, 'request refused')
    return reply.code(status).type(xmlContentType).send(refusedBody())
  })
  app.addHook('preClose', closeConnectionsAsTheyIdle(app))
  app.addHook('onRequest', refuseMissingHost(services))
  if (config.trustProxy) app.addHook('onRequest', refuseInvalidClientAddress(services))
  await app.register(healthRoutes, { services })
  await app.register(agentXmlRoutes, { services, limits: { proxyBodyLimit: config.proxyBodyLimit, maxElements: config.maxElements } })
  await app.register(tokenIndexRoutes, { services })
  await app.register(siteLookupRoutes, { site: async () => siteDetails(config, await readDelivery(services)) })
  await app.register(selfServiceRoutes, { services })
  await app.register(pinPageRoutes, { services })
  await app.register(adminXmlRoutes, { services })
  await app.register(adminConsole, { prefix: '/admin', services, config })
  return app
}

/**
 * While the server drains, a keep-alive connection whose last request is answered is closed at
 * once, not after the keep-alive timeout (72 s): a stop then waits only for requests in flight.
 * node closes the connections idle when the stop begins; these are the ones busy then.
 */
function closeConnectionsAsTheyIdle(app: FastifyInstance) {
  return async () => {
    const server = app.server
    if (!server.listening) return
    const timer = setInterval(() => server.closeIdleConnections(), 50).unref()
    server.once('close', () => clearInterval(timer))
  }
}

/** What the site lookup tells clients: the public URL when set, else how this server listens. */
export function siteDetails(config: Config, { siteId, publicUrl: url }: Pick<DeliverySettings, 'siteId' | 'publicUrl'>): SiteDetails | undefined {
  if (siteId === undefined) return undefined
  if (url) {
    const usingSsl = url.protocol === 'https:'
    return {
      siteId,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : usingSsl ? 443 : 80,
      usingSsl,
      connectionType: url.pathname.split('/').find(Boolean) ?? 'proxy',
    }
  }
  const wildcard = config.host === '0.0.0.0' || config.host === '::'
  return {
    siteId,
    hostname: wildcard ? hostname() : config.host,
    port: config.port,
    usingSsl: config.tls !== undefined,
    connectionType: 'proxy',
  }
}
