import type { FastifyReply, FastifyRequest } from 'fastify'
import { isPlainAddress, normaliseAddress } from '../domain/networks.js'
import type { Services } from '../domain/services.js'
import { refusedBody, xmlContentType } from './replies.js'

/**
 * With `--trust-proxy`, `request.ip` is the address the nearest trusted proxy reports (see
 * `proxyTrust`). A proxy that forwards the client's own header instead of appending, or a
 * misconfigured chain, can make that any text; such a request is refused before any route, rate
 * limit or log line sees it, and logged with the peer's address, never with the header.
 */
export function refuseInvalidClientAddress(services: Services) {
  return (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (isPlainAddress(normaliseAddress(request.ip))) return done()
    const peer = normaliseAddress(request.socket.remoteAddress ?? '')
    services.log.warn({ reqId: request.id, ip: peer, status: 400 }, 'request refused: the forwarded client address is not an IP address')
    void reply.code(400).type(xmlContentType).send(refusedBody())
  }
}
