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

/** An address as the socket reports it, with IPv4-mapped IPv6 ("::ffff:10.0.0.1") unwrapped. */
export function normaliseAddress(address: string): string {
  if (!/^::ffff:/i.test(address)) return address
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return mapped?.[1] ?? address
}

export function matcher(networks: readonly string[]): (address: string) => boolean {
  const list = new BlockList()
  for (const network of networks) {
    const [address = '', prefix = ''] = network.split('/')
    list.addSubnet(address, Number(prefix), isIP(address) === 4 ? 'ipv4' : 'ipv6')
  }
  return (address) => {
    const plain = normaliseAddress(address)
    const family = isIP(plain)
    return family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6')
  }
}
