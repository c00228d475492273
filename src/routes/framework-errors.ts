import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { normaliseAddress } from '../domain/networks.js'
import type { Services } from '../domain/services.js'
import { refusedBody, xmlContentType } from './replies.js'
import { requestServices } from './request-services.js'

/**
 * What fastify answers itself before any route runs (a URL it cannot decode): in XML like every
 * other reply, never fastify's default JSON (docs/protocol.md §1).
 */
export function frameworkError(services: Services) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    requestServices(services, request).log.warn({ errorCode: error.code, status: 400 }, 'request refused')
    void reply.code(400).type(xmlContentType).send(refusedBody())
  }
}

/**
 * Malformed HTTP, oversized headers, a request timeout: node reports these on the raw socket
 * and fastify's default handler answers JSON. Same statuses, XML body.
 */
export function clientError(services: Services) {
  return (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
    services.log.warn({ errorCode: error.code, status, ip: socket.remoteAddress }, 'malformed HTTP request refused')
    const body = Buffer.from(refusedBody(), 'utf8')
    if (socket.writable) {
      const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${xmlContentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`
      socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]))
    }
    socket.destroy(error)
  }
}

/**
 * HTTP/1.1 requires a Host header (RFC 9112 §3.2). node refuses a request without one itself,
 * with an empty 400, unless told not to (app.ts); this refuses it instead, in XML.
 */
export function refuseMissingHost(services: Services) {
  return (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (request.raw.httpVersion !== '1.1' || request.headers.host !== undefined) return done()
    services.log.warn({ reqId: request.id, ip: normaliseAddress(request.socket.remoteAddress ?? ''), status: 400 }, 'request refused: HTTP/1.1 without a Host header')
    void reply.code(400).type(xmlContentType).send(refusedBody())
  }
}
