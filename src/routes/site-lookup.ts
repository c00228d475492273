import type { FastifyInstance } from 'fastify'
import type { ReplyElement } from '../protocol/types.js'
import { renderDocument } from '../wire/render.js'
import { xmlContentType } from './replies.js'

export interface SiteDetails {
  readonly siteId: string
  readonly hostname: string
  readonly port: number
  readonly usingSsl: boolean
  readonly connectionType: string
}

/**
 * `GET /ssdserver/getServerDetails?id=<site id>` (docs/protocol.md §10): how a client reaches this
 * server. `site` reads the shared settings in force, so a site id or public URL set on any node
 * answers on every node from the next request.
 */
export async function siteLookupRoutes(app: FastifyInstance, { site: siteNow }: { site: () => Promise<SiteDetails | undefined> }) {
  app.get<{ Querystring: { id?: string | string[] } }>('/ssdserver/getServerDetails', async (request, reply) => {
    const { id } = request.query
    const site = await siteNow()
    const known = site !== undefined && typeof id === 'string' && id.trim() === site.siteId
    const children: ReplyElement[] = [{ name: 'responseCode', text: known ? '0' : '1' }]
    if (known) children.push({ name: 'SSDetails', children: details(site, listeningPort(app)) })
    return reply.type(xmlContentType).send(renderDocument({ name: 'getServerDetailsResponse', children }))
  })
}

/** The port the server actually listens on (`--port 0` lets the system pick one). */
function listeningPort(app: FastifyInstance): number | undefined {
  const address = app.server.address()
  return typeof address === 'object' && address !== null ? address.port : undefined
}

function details(site: SiteDetails, listening: number | undefined): ReplyElement[] {
  const values: [string, string][] = [
    ['hostname', site.hostname],
    ['usingSSL', site.usingSsl ? 'YES' : 'NO'],
    ['pushSupport', 'NO'],
    ['local', 'NO'],
    ['pin', 'YES'],
    ['oath', 'NO'],
    ['port', String(site.port === 0 ? (listening ?? 0) : site.port)],
    ['connectionType', site.connectionType],
  ]
  return values.map(([name, text]) => ({ name, text }))
}
