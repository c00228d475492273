import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { refusedBody, xmlContentType } from './replies.js'

/**
 * What fastify answers itself before any route runs (a URL it cannot decode): in XML like every
 * other reply, never fastify's default JSON (spec §1).
 */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  request.log.warn({ errorCode: error.code, status: 400 }, 'request refused')
  void reply.code(400).type(xmlContentType).send(refusedBody())
}

/**
 * Malformed HTTP, oversized headers, a request timeout: node reports these on the raw socket
 * and fastify's default handler answers JSON. Same statuses, XML body.
 */
export function clientError(error: NodeJS.ErrnoException, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
  const body = Buffer.from(refusedBody(), 'utf8')
  if (socket.writable) {
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${xmlContentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]))
  }
  socket.destroy(error)
}

/**
 * While the server drains on shutdown, a request still arriving on a kept-alive connection is
 * turned away with 503 so a load balancer retries elsewhere; fastify's own 503 is JSON, this is XML.
 */
export function refuseWhileClosing(app: FastifyInstance) {
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onRequest', async (_request, reply) => {
    if (closing) return reply.code(503).header('connection', 'close').type(xmlContentType).send(refusedBody())
  })
}
