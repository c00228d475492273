import type { FastifyInstance } from 'fastify'
import { handleAgentXml } from '../actions/dispatch.js'
import type { Services } from '../domain/services.js'
import { normaliseAddress } from '../domain/networks.js'
import { contexts } from '../protocol/types.js'
import { takeRawBodies } from './raw-body.js'
import { xmlContentType } from './replies.js'
import { requestServices } from './request-services.js'

/** `POST /{pinsafe,sentry,proxy}/AgentXML` (spec §1). */
export async function agentXmlRoutes(app: FastifyInstance, { services }: { services: Services }) {
  takeRawBodies(app)
  for (const context of contexts) {
    app.post(`/${context}/AgentXML`, async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : undefined
      const source = { address: normaliseAddress(request.ip), userAgent: request.headers['user-agent'] }
      const xml = await handleAgentXml(requestServices(services, request), context, body, source)
      return reply.type(xmlContentType).send(xml)
    })
  }
}
