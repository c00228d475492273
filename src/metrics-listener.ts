import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { Metrics } from './metrics.js'

export interface MetricsListenerOptions {
  readonly host: string
  readonly port: number
  /** When set, a scrape must send `Authorization: Bearer <token>`. */
  readonly token: string | undefined
}

export interface MetricsListener {
  readonly url: string
  close(): Promise<void>
}

const plain = 'text/plain; charset=UTF-8'

/**
 * `--metrics [HOST:]PORT`: `GET /metrics` alone, on a listener of its own that only the operator's
 * scraper should reach. Never on the public port: the counters move with what anonymous callers
 * do to one user, which the uniform replies hide (docs/operations.md "Exposure").
 */
export async function startMetricsListener(metrics: Metrics, { host, port, token }: MetricsListenerOptions, log: Logger): Promise<MetricsListener> {
  const authorised = bearerCheck(token)
  const server = createServer((request, response) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || (request.url ?? '').split('?')[0] !== '/metrics') {
      return answer(response, 404, 'not found\n')
    }
    if (!authorised(request)) {
      response.setHeader('www-authenticate', 'Bearer realm="agentxml metrics"')
      return answer(response, 401, 'a bearer token is needed\n')
    }
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }).end(request.method === 'HEAD' ? undefined : text),
      () => answer(response, 500, 'metrics unavailable\n'),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `http://${shown}:${address.port}/metrics`
  log.info({ metrics: url }, `metrics on ${url}`)
  if (!token && !isLoopback(host)) log.warn({ metrics: url }, `metrics on ${url} without --metrics-token-file: whoever reaches that port reads them`)
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** Whether only this machine can reach `host`: the one case where no token is fine. */
function isLoopback(host: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === 'localhost'
}

function answer(response: ServerResponse, status: number, text: string) {
  response.writeHead(status, { 'content-type': plain, 'cache-control': 'no-store' }).end(text)
}

/** Tokens are compared as SHA-256 digests in constant time: neither their bytes nor their length leak by timing. */
function bearerCheck(token: string | undefined): (request: IncomingMessage) => boolean {
  if (token === undefined) return () => true
  const expected = digest(token)
  return (request) => {
    const given = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')?.[1]
    return timingSafeEqual(digest(given ?? ''), expected) && given !== undefined
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest()
