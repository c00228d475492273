import type { FastifyInstance } from 'fastify'
import { handleAgentXml } from '../actions/dispatch.js'
import type { Services } from '../domain/services.js'
import { normaliseAddress } from '../domain/networks.js'
import { contexts } from '../protocol/types.js'
import { takeRawBodies } from './raw-body.js'
import { xmlContentType } from './replies.js'
import { requestServices } from './request-services.js'

export interface AgentXmlLimits {
  /** Bytes a request to the public /proxy context may have (real mobile requests are under 1 KiB). */
  readonly proxyBodyLimit: number
  readonly maxElements: number
}

/**
 * `POST /{pinsafe,sentry,proxy}/AgentXML` (docs/protocol.md §1). The internet-facing /proxy takes much
 * smaller bodies than the agent contexts (64 KiB, the app's limit): a hostile body costs
 * parsing time that other clients wait for. Over the limit: 413, in XML (app.ts).
 */
export async function agentXmlRoutes(app: FastifyInstance, { services, limits }: { services: Services; limits: AgentXmlLimits }) {
  takeRawBodies(app)
  const parseLimits = { maxElements: limits.maxElements, mobileBodyLimit: limits.proxyBodyLimit }
  for (const context of contexts) {
    const options = context === 'proxy' ? { bodyLimit: limits.proxyBodyLimit } : {}
    app.post(`/${context}/AgentXML`, options, async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : undefined
      const source = { address: normaliseAddress(request.ip), userAgent: request.headers['user-agent'] }
      const xml = await handleAgentXml(requestServices(services, request), context, body, source, parseLimits)
      return reply.type(xmlContentType).send(xml)
    })
  }
}
