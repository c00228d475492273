import type { FastifyRequest } from 'fastify'
import { normaliseAddress } from '../domain/networks.js'
import { type Services, withLog } from '../domain/services.js'
import { lazyChild } from '../logging/lazy.js'

/**
 * The services for one request: every log line carries the request id (the PINsafe thread) and
 * the source address (docs/protocol.md §8), plus `fields`. fastify itself is given no logger: its
 * per-request logger costs a noticeable share of a small request, and every line the server
 * writes goes through here instead.
 */
export function requestServices(services: Services, request: FastifyRequest, fields: Record<string, unknown> = {}): Services {
  return withLog(services, lazyChild(services.log, () => ({ reqId: request.id, ip: normaliseAddress(request.ip), ...fields })))
}
