import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface GatewayRequest {
  readonly method: string
  readonly url: URL
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

export interface GatewayDouble {
  readonly url: string
  readonly requests: GatewayRequest[]
  /** The status of the next answers, in order; the last one repeats. */
  answer(...statuses: number[]): void
  close(): Promise<void>
}

/** An HTTP SMS gateway double: records every request, answers with the statuses it is told. */
export async function startGateway(): Promise<GatewayDouble> {
  const requests: GatewayRequest[] = []
  let statuses = [200]
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        url: new URL(request.url ?? '/', 'http://gateway'),
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      })
      const status = statuses.length > 1 ? (statuses.shift() ?? 200) : (statuses[0] ?? 200)
      response.writeHead(status, status >= 300 && status < 400 ? { location: 'http://127.0.0.1:9/elsewhere' } : { 'content-type': 'application/json' })
      response.end(JSON.stringify({ status }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer: (...next) => {
      statuses = next
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
