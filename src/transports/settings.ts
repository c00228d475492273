/**
 * The transport settings, checked when the configuration is read (config.ts) and used to build
 * the transports (index.ts). Pure functions; they throw plain errors that config.ts rewords.
 */

export interface SmtpServer {
  readonly host: string
  readonly port: number
  /** Implicit TLS (`smtps://`); otherwise STARTTLS when the server offers it. */
  readonly secure: boolean
  readonly user: string | undefined
  readonly pass: string | undefined
}

/** `smtp://[user:pass@]host[:587]` or `smtps://[user:pass@]host[:465]`; user and password percent-encoded. */
export function parseSmtpUrl(text: string): SmtpServer {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    // the URL may hold a password: it is never repeated in an error
    throw new Error('--smtp-url is not a URL (smtp://user:password@host:587 or smtps://host:465)')
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error('--smtp-url must start with smtp:// or smtps://')
  if (!url.hostname) throw new Error('--smtp-url has no host')
  const secure = url.protocol === 'smtps:'
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    pass: url.password ? decodeURIComponent(url.password) : undefined,
  }
}

/** The sender: `noreply@example.com` or `Name <noreply@example.com>`. */
export const isSmtpFrom = (text: string) => /^[^\s@<>]+@[^\s@<>]+$|^[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>$/.test(text)

/** Where an SMTP server is, for logs: never the user name or password. */
export const smtpLabel = (server: SmtpServer) => `${server.secure ? 'smtps' : 'smtp'}://${server.host}:${server.port}`

export interface SmsGateway {
  readonly url: string
  readonly method: string
  readonly headers: readonly (readonly [string, string])[]
  readonly body: string | undefined
  readonly encoding: BodyEncoding
}

export type BodyEncoding = 'json' | 'form' | 'xml' | 'raw'

export interface SmsInput {
  readonly url: string
  readonly method: string | undefined
  readonly headers: readonly string[]
  readonly body: string | undefined
}

const sample = { destination: '+15550100', message: 'Sample "message" & <more>\nline two' }

/** Check and settle the gateway settings; a template that cannot produce a valid request is refused now. */
export function parseSmsGateway(input: SmsInput): SmsGateway {
  const headers = input.headers.map(parseSmsHeader)
  const method = (input.method ?? (input.body === undefined ? 'GET' : 'POST')).toUpperCase()
  if (!['GET', 'POST', 'PUT'].includes(method)) throw new Error(`--sms-method must be GET, POST or PUT, not "${input.method}"`)
  if (method === 'GET' && input.body !== undefined) throw new Error('--sms-body needs --sms-method POST or PUT')
  let contentType = headers.find(([name]) => name.toLowerCase() === 'content-type')?.[1]
  if (input.body !== undefined && contentType === undefined) {
    // no Content-Type given: a body that looks like JSON is JSON, anything else a form
    contentType = /^\s*[[{]/.test(input.body) ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded'
    headers.push(['Content-Type', contentType])
  }
  const gateway: SmsGateway = { url: input.url, method, headers, body: input.body, encoding: encodingOf(contentType) }
  const request = smsRequest(gateway, sample.destination, sample.message)
  let url: URL | undefined
  try {
    url = new URL(request.url)
  } catch {}
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new Error('--sms-url must be an http or https URL')
  if (gateway.encoding === 'json' && request.body !== undefined) {
    try {
      JSON.parse(request.body)
    } catch {
      throw new Error('--sms-body is not valid JSON once {destination} and {message} are filled in')
    }
  }
  return gateway
}

/** One `Name: value` line of the gateway's headers. */
export function parseSmsHeader(line: string): [string, string] {
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(line)
  if (!match || /[\r\n]/.test(line)) throw new Error('--sms-header must look like "Name: value"')
  return [match[1] ?? '', match[2] ?? '']
}

function encodingOf(contentType: string | undefined): BodyEncoding {
  const type = (contentType ?? '').toLowerCase()
  if (/[/+]json\b/.test(type)) return 'json'
  if (type.includes('x-www-form-urlencoded')) return 'form'
  if (/[/+]xml\b/.test(type)) return 'xml'
  return 'raw'
}

const encoders: Record<BodyEncoding, (value: string) => string> = {
  // inside a JSON string: the template supplies the quotes
  json: (value) => JSON.stringify(value).slice(1, -1),
  form: encodeURIComponent,
  xml: (value) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`),
  raw: (value) => value,
}

/** The gateway request for one SMS: `{destination}` and `{message}` URL-encoded in the URL, body-encoded in the body. */
export function smsRequest(gateway: SmsGateway, destination: string, message: string): { url: string; body: string | undefined } {
  const fill = (template: string, encode: (value: string) => string) =>
    template.replace(/\{(destination|message)\}/g, (_, name: string) => encode(name === 'destination' ? destination : message))
  return {
    url: fill(gateway.url, encodeURIComponent),
    body: gateway.body === undefined ? undefined : fill(gateway.body, encoders[gateway.encoding]),
  }
}

/** Delays before the 2nd, 3rd, ... try: six tries over about an hour, then the message fails. */
export const defaultRetryDelays: readonly number[] = [30_000, 120_000, 300_000, 900_000, 2_400_000]

/** `--retry-delays 30,120,300`: seconds before each retry, 1 to 20 of them. */
export function parseRetryDelays(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim())
  const valid = parts.length >= 1 && parts.length <= 20 && parts.every((part) => /^\d{1,5}$/.test(part) && Number(part) >= 1 && Number(part) <= 86400)
  if (!valid) throw new Error(`--retry-delays must be 1 to 20 comma-separated numbers of seconds (1-86400), not "${text}"`)
  return parts.map((part) => Number(part) * 1000)
}
