import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { refusedBody, xmlContentType } from './replies.js'

/**
 * The answer to bytes that never became a request (malformed HTTP, headers too large, a request
 * timeout). fastify's default answers these in JSON; no reply of this server is ever JSON (spec §1).
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  // a reset connection has no one left to answer
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
  if (socket.writable) {
    const body = Buffer.from(refusedBody(), 'utf8')
    const head =
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `Content-Type: ${xmlContentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]))
  }
  socket.destroy(error)
}
