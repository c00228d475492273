import type { FastifyInstance } from 'fastify'
import { handleAdminXml } from '../admin-xml/dispatch.js'
import { normaliseAddress } from '../domain/networks.js'
import type { Services } from '../domain/services.js'
import { requestServices } from './request-services.js'
import { takeRawBodies } from './raw-body.js'
import { xmlContentType } from './replies.js'

/** The contexts AdminXML answers on; never the public `/proxy`. */
export const adminXmlContexts = ['pinsafe', 'sentry'] as const

/** `POST /{pinsafe,sentry}/AdminXML`: user administration for admin agents, same wire rules as AgentXML. */
export async function adminXmlRoutes(app: FastifyInstance, { services }: { services: Services }) {
  takeRawBodies(app)
  for (const context of adminXmlContexts) {
    app.post(`/${context}/AdminXML`, async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : undefined
      const source = { address: normaliseAddress(request.ip), userAgent: request.headers['user-agent'] }
      return reply.type(xmlContentType).send(await handleAdminXml(requestServices(services, request), body, source))
    })
  }
}
