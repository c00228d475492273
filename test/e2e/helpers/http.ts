import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'

export interface Reply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

export interface RequestOptions {
  readonly method?: string
  readonly body?: string | Buffer
  readonly headers?: Record<string, string>
  /** A certificate to trust, for a server with a self-signed one. */
  readonly ca?: string | Buffer
  readonly timeoutMs?: number
}

/** One HTTP(S) exchange on a fresh connection (no keep-alive pool shared between tests). */
export function send(url: string, options: RequestOptions = {}): Promise<Reply> {
  const target = new URL(url)
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { method: options.method ?? 'GET', headers: options.headers, agent: false, ...(options.ca ? { ca: options.ca } : {}) },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      },
    )
    req.setTimeout(options.timeoutMs ?? 15_000, () => req.destroy(new Error(`no reply from ${url} in time`)))
    req.on('error', reject)
    req.end(options.body)
  })
}

/** POST one AgentXML document, as agents and mobile clients do. */
export function postXml(baseUrl: string, xml: string, path = '/pinsafe/AgentXML', options: RequestOptions = {}): Promise<Reply> {
  return send(new URL(path, baseUrl).href, {
    method: 'POST',
    body: xml,
    ...options,
    headers: { 'content-type': 'text/xml', ...options.headers },
  })
}
