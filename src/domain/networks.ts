import { BlockList, isIP } from 'node:net'
import { InvalidInput } from './errors.js'

export const loopbackNetworks = ['127.0.0.1/32', '::1/128'] as const

/** Validate and normalise a CIDR ("10.0.0.0/8", "2001:db8::/32"); a bare address is a /32 or /128. */
export function parseNetwork(text: string): string {
  const [address = '', prefix, extra] = text.trim().split('/')
  const family = isIP(address)
  const bits = family === 4 ? 32 : 128
  const length = prefix === undefined ? bits : Number(prefix)
  if (family === 0 || extra !== undefined || !Number.isInteger(length) || length < 0 || length > bits || prefix === '') {
    throw new InvalidInput(`"${text}" is not a network in CIDR form (e.g. 10.0.0.0/8 or 2001:db8::/32)`)
  }
  return `${address}/${length}`
}

/** Whether two networks in CIDR form (as `parseNetwork` returns them) are one: the same prefix, the same masked address. */
export function sameNetwork(a: string, b: string): boolean {
  const [addressA = '', prefixA] = a.split('/')
  const [addressB = '', prefixB] = b.split('/')
  return prefixA === prefixB && isIP(addressA) === isIP(addressB) && matcher([a])(addressB)
}

/** An address as the socket reports it, with IPv4-mapped IPv6 ("::ffff:10.0.0.1") unwrapped. */
export function normaliseAddress(address: string): string {
  if (!/^::ffff:/i.test(address)) return address
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return mapped?.[1] ?? address
}

/** Addresses whose answer a matcher keeps; past that it starts again (a flood of new ones costs only the look-ups). */
const rememberedAddresses = 1024

/** The longest address text kept (an IPv6 address with an IPv4 tail): `X-Forwarded-For` entries are the client's text. */
const longestAddress = 45

/**
 * Whether an address is inside `networks`. The answers are kept: a look-up in node's BlockList
 * makes a SocketAddress each time, a measurable part of a login, and an agent calls from few addresses.
 */
export function matcher(networks: readonly string[]): (address: string) => boolean {
  const list = new BlockList()
  for (const network of networks) {
    const [address = '', prefix = ''] = network.split('/')
    list.addSubnet(address, Number(prefix), isIP(address) === 4 ? 'ipv4' : 'ipv6')
  }
  const inside = (address: string) => {
    const plain = normaliseAddress(address)
    const family = isIP(plain)
    return family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6')
  }
  const answers = new Map<string, boolean>()
  return (address) => {
    if (address.length > longestAddress) return inside(address)
    let answer = answers.get(address)
    if (answer === undefined) {
      answer = inside(address)
      if (answers.size >= rememberedAddresses) answers.clear()
      answers.set(address, answer)
    }
    return answer
  }
}

/**
 * The reverse proxies whose `X-Forwarded-For` entries are believed (`--trust-proxy`): by their
 * addresses or networks, or as a number of hops in front of the server.
 */
export type TrustedProxies = { readonly networks: readonly string[] } | { readonly hops: number }

/**
 * fastify's `trustProxy`: whether hop `hop` is a trusted proxy, hop 0 being the socket's peer and
 * the next ones the `X-Forwarded-For` entries from the right. fastify walks from the right and
 * takes the first address that is not a trusted proxy: the one the nearest trusted proxy saw.
 * Entries further left were written by the client, and are never reached.
 */
export function proxyTrust(trusted: TrustedProxies): (address: string, hop: number) => boolean {
  if ('hops' in trusted) return (_address, hop) => hop < trusted.hops
  const inside = matcher(trusted.networks)
  return (address) => inside(address)
}

/** An IP address and nothing else (no port, no zone, no text): what may be matched and logged. */
export const isPlainAddress = (text: string): boolean => /^[0-9A-Fa-f:.]{2,45}$/.test(text) && isIP(text) !== 0
