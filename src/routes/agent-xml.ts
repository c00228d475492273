import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { handleAgentXml } from '../actions/dispatch.js'
import { withLog, type Services } from '../domain/services.js'
import { normaliseAddress } from '../domain/networks.js'
import { contexts } from '../protocol/types.js'
import { xmlContentType } from './replies.js'

/** The fields every log line of a request carries: who sent it (spec §8). */
export function requestServices(services: Services, request: FastifyRequest): Services {
  // request.log is a child of the pino logger the app was built with
  return withLog(services, (request.log as Logger).child({ ip: normaliseAddress(request.ip) }))
}

/** An RFC 9110 `type/subtype`, optionally with parameters: what fastify accepts as a content type. */
const mediaType = /^\s*[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+\s*(?:;|$)/

/** `POST /{pinsafe,sentry,proxy}/AgentXML` (spec §1). */
export async function agentXmlRoutes(app: FastifyInstance, { services }: { services: Services }) {
  // the body is taken as bytes whatever its content type: legacy clients send none, or a wrong one
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
  app.addHook('onRequest', async (request) => {
    const type = request.headers['content-type']
    // none, an empty one, or one fastify cannot parse ("xml", "text/xml, application/xml"): read it anyway
    if (typeof type !== 'string' || !mediaType.test(type)) request.headers['content-type'] = 'application/octet-stream'
  })
  for (const context of contexts) {
    app.post(`/${context}/AgentXML`, async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : undefined
      const source = { address: normaliseAddress(request.ip), userAgent: request.headers['user-agent'] }
      const xml = await handleAgentXml(requestServices(services, request), context, body, source)
      return reply.type(xmlContentType).send(xml)
    })
  }
}
