import type { AddressInfo } from 'node:net'
import type { Config } from './config.js'
import { type DeliveryValues, pagesOf } from './transports/delivery-settings.js'

const everyInterface = new Map([
  ['0.0.0.0', 'every IPv4 interface'],
  ['::', 'every interface, IPv6 and IPv4'],
])

/**
 * What the "listening" line says: the address actually bound (`--port 0` picks one), and for a
 * wildcard address that it is every interface, not the loopback fastify's own URL would name.
 */
export function listeningOn(address: AddressInfo, tls: boolean): { url: string; shown: string } {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `${tls ? 'https' : 'http'}://${host}:${address.port}`
  const every = everyInterface.get(address.address)
  return { url, shown: every ? `${url} (${every})` : url }
}

/** One warning of the start: its log fields and line. */
export interface StartWarning {
  readonly fields: Readonly<Record<string, unknown>>
  readonly message: string
}

/**
 * Settings that work but can surprise, said once at every start: plain HTTP open to every
 * network the machine is on, messages that point users at an address only this machine knows
 * itself by, and an outbox file that only this node of several writes.
 */
export function startWarnings(config: Config, transports: readonly string[], values: DeliveryValues = new Map()): StartWarning[] {
  const warnings: StartWarning[] = []
  const sending = transports.filter((name) => name !== 'outbox')
  if (config.engine === 'postgres' && transports.includes('outbox')) {
    warnings.push({
      fields: { file: config.outboxFile },
      message: `the outbox transport writes to ${config.outboxFile} on this node only: with several nodes, give users the email or sms transport`,
    })
  }
  if (!config.tls && everyInterface.has(config.host)) {
    warnings.push({
      fields: { host: config.host, port: config.port },
      message: `plain HTTP on ${everyInterface.get(config.host)}: codes, PINs and agent secrets cross the network in clear unless a proxy in front terminates TLS and nothing else reaches port ${config.port} (--tls-cert and --tls-key serve HTTPS)`,
    })
  }
  // `values`: the delivery settings in force, the shared ones included
  if (config.publicUrl === undefined && !values.has('public-url') && sending.length > 0) {
    warnings.push({
      fields: { transports: sending },
      // the site id, when set, names the server in provision messages; the page links need the URL
      message: `no --public-url while messages go out by ${sending.join(' and ')}: their ${config.siteId === undefined && !values.has('site-id') ? 'links and server address' : 'links'} are ${pagesOf(config, values)}, this server's own address, which users may not reach (agentxml settings set public-url URL, or --public-url)`,
    })
  }
  return warnings
}
