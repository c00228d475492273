import { type SmsGateway, smsRequest } from './settings.js'
import type { Delivery, Transport } from './transport.js'

const timeoutMs = 15_000

/**
 * SMS through an HTTP gateway: `{destination}` and `{message}` filled into the configured URL
 * and body. Anything but a 2xx answer is a failed try (the worker retries it).
 */
export function smsTransport(gateway: SmsGateway): Transport {
  // the URL can hold an API key, and once filled the message: errors name the host only
  const host = new URL(smsRequest(gateway, '', '').url).host
  return {
    label: `${gateway.method} ${host}`,
    async send({ destination, body }: Delivery) {
      const request = smsRequest(gateway, destination, body)
      let response: Response
      try {
        response = await fetch(request.url, {
          method: gateway.method,
          headers: gateway.headers.map(([name, value]) => [name, value]),
          body: request.body,
          // a redirect would carry the filled-in URL elsewhere
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        })
      } catch (err) {
        throw new Error(`SMS gateway ${host}: ${describe(err)}`)
      }
      await response.body?.cancel().catch(() => undefined)
      if (!response.ok) throw new Error(`SMS gateway ${host} answered HTTP ${response.status}`)
    },
  }
}

/** Why fetch failed, never in words that could repeat the filled-in URL. */
function describe(err: unknown): string {
  const { name, cause } = err as { name?: string; cause?: { code?: string; message?: string } }
  if (name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} seconds`
  if (cause?.code) return `unreachable (${cause.code})`
  // short plain words only ("bad port"): no slash, query or escape of a URL
  return cause?.message && /^[\w .:-]{1,80}$/.test(cause.message) ? `request failed (${cause.message})` : 'request failed'
}
