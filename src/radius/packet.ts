import { hash, timingSafeEqual } from 'node:crypto'
import { hmac } from '../secrets.js'
import { Attr, Code } from './attributes.js'

/** RFC 2865 §3: a packet is 20 to 4096 octets, the header alone 20. */
export const headerLength = 20
export const maxPacketLength = 4096
/** RFC 2865 §5: an attribute's value is 1 to 253 octets. */
export const maxValueLength = 253
/** More than any request this server answers carries; a flood of attributes is a packet refused. */
export const maxAttributes = 200

export interface Attribute {
  readonly type: number
  readonly value: Buffer
}

export interface Packet {
  readonly code: number
  readonly identifier: number
  /** The Request or Response Authenticator, 16 octets. */
  readonly authenticator: Buffer
  readonly attributes: readonly Attribute[]
  /** The packet's Length octets of the datagram; values above are views into it. */
  readonly raw: Buffer
}

/** Why a datagram is not a packet: for a log line, never quoting an attribute's value. */
export interface PacketProblem {
  readonly problem: string
}

/** A shared secret: the octets, or text taken as UTF-8. */
export type Secret = string | Buffer

export const secretBytes = (secret: Secret): Buffer => (typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret)

/** One-shot digests (no Hash object for the garbage collector to finalise, secrets.ts `hmac`): a CHAP login makes up to 99. */
export const md5 = (...parts: readonly Buffer[]): Buffer => hash('md5', parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts), 'buffer')

export const hmacMd5 = (secret: Secret, data: Buffer): Buffer => hmac('md5', secretBytes(secret), data)

/** Equal 16-octet digests, in time that does not depend on where they differ. */
const sameDigest = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b)

const problem = (why: string): PacketProblem => ({ problem: why })

/**
 * A datagram read strictly (RFC 2865 §3, §5): octets past the Length field are padding and
 * ignored, a Length beyond the datagram is refused, and the attributes must fill the Length
 * exactly, none empty. Never throws.
 */
export function decodePacket(datagram: Buffer): Packet | PacketProblem {
  if (datagram.length < headerLength) return problem(`datagram of ${datagram.length} octets is shorter than a header`)
  if (datagram.length > maxPacketLength) return problem(`datagram of ${datagram.length} octets is longer than ${maxPacketLength}`)
  const length = datagram.readUInt16BE(2)
  if (length < headerLength) return problem(`Length ${length} is shorter than a header`)
  if (length > datagram.length) return problem(`Length ${length} is beyond the datagram's ${datagram.length} octets`)
  const raw = datagram.subarray(0, length)
  const attributes: Attribute[] = []
  for (let at = headerLength; at < length; ) {
    if (attributes.length === maxAttributes) return problem(`too many attributes (more than ${maxAttributes})`)
    if (at + 2 > length) return problem(`attribute at octet ${at} is cut short`)
    const type = raw[at] as number
    const size = raw[at + 1] as number
    if (size < 2) return problem(`attribute ${type} at octet ${at} has Length ${size}`)
    if (size === 2) return problem(`attribute ${type} at octet ${at} is empty`)
    if (at + size > length) return problem(`attribute ${type} at octet ${at} runs past the packet`)
    attributes.push({ type, value: raw.subarray(at + 2, at + size) })
    at += size
  }
  return {
    code: raw[0] as number,
    identifier: raw[1] as number,
    authenticator: raw.subarray(4, headerLength),
    attributes,
    raw,
  }
}

/** The first value of an attribute, or undefined. */
export const attribute = (packet: Packet, type: number): Buffer | undefined => packet.attributes.find((a) => a.type === type)?.value

/** Every value of an attribute, in the packet's order. */
export const attributes = (packet: Packet, type: number): Buffer[] => packet.attributes.filter((a) => a.type === type).map((a) => a.value)

export interface VendorAttribute {
  readonly vendorType: number
  readonly value: Buffer
}

/**
 * The sub-attributes of one vendor's Vendor-Specific attributes (RFC 2865 §5.26: Vendor-Id,
 * then type-length-value, several to an attribute). A Vendor-Specific that does not parse so
 * (some vendors use other layouts) is skipped whole.
 */
export function vendorAttributes(packet: Packet, vendorId: number): VendorAttribute[] {
  const found: VendorAttribute[] = []
  for (const value of attributes(packet, Attr.VendorSpecific)) {
    if (value.length < 4 || value.readUInt32BE(0) !== vendorId) continue
    const subs: VendorAttribute[] = []
    let at = 4
    while (at + 2 < value.length) {
      const size = value[at + 1] as number
      if (size < 3 || at + size > value.length) break
      subs.push({ vendorType: value[at] as number, value: value.subarray(at + 2, at + size) })
      at += size
    }
    if (at === value.length && subs.length > 0) found.push(...subs)
  }
  return found
}

/** A Vendor-Specific attribute holding one sub-attribute (RFC 2865 §5.26). */
export function vendorAttribute(vendorId: number, vendorType: number, value: Buffer): Attribute {
  if (value.length === 0 || value.length > maxValueLength - 6) throw new RangeError(`a vendor attribute's value is 1 to ${maxValueLength - 6} octets`)
  const header = Buffer.alloc(6)
  header.writeUInt32BE(vendorId, 0)
  header[4] = vendorType
  header[5] = value.length + 2
  return { type: Attr.VendorSpecific, value: Buffer.concat([header, value]) }
}

/**
 * RFC 2866 §3: an Accounting-Request's authenticator is MD5(Code, Identifier, Length, 16 zero
 * octets, Attributes, secret).
 */
export function checkRequestAuthenticator(packet: Packet, secret: Secret): boolean {
  const zeroed = Buffer.from(packet.raw)
  zeroed.fill(0, 4, headerLength)
  return sameDigest(md5(zeroed, secretBytes(secret)), packet.authenticator)
}

/** Where each Message-Authenticator value starts in a packet already decoded. */
function messageAuthenticatorOffsets(raw: Buffer): number[] {
  const offsets: number[] = []
  for (let at = headerLength; at + 2 <= raw.length && (raw[at + 1] as number) >= 2; at += raw[at + 1] as number) {
    if (raw[at] === Attr.MessageAuthenticator) offsets.push(at + 2)
  }
  return offsets
}

/**
 * The HMAC-MD5 a packet's Message-Authenticator must hold (RFC 3579 §3.2): over the packet with
 * that value zeroed and, in the authenticator field, `authenticator` when given.
 */
export function messageAuthenticatorOf(raw: Buffer, secret: Secret, authenticator?: Buffer): Buffer {
  const copy = Buffer.from(raw)
  for (const at of messageAuthenticatorOffsets(copy)) copy.fill(0, at, at + 16)
  authenticator?.copy(copy, 4)
  return hmacMd5(secret, copy)
}

/**
 * Checks a packet's Message-Authenticator. What stands in the authenticator field while the HMAC
 * is made: for a reply, the request's authenticator (RFC 3579 §3.2; RFC 5997 §3 for replies to
 * Status-Server), given as `requestAuthenticator`; for an Accounting-Request, 16 zero octets, as
 * RFC 5176 §3.4 has it for its requests and FreeRADIUS does for accounting; for Access-Request
 * and Status-Server, the packet's own (RFC 3579 §3.2, RFC 5997 §3). A second one, or one not
 * 16 octets long, is 'invalid' (RFC 3579 §3.2).
 */
export function checkMessageAuthenticator(packet: Packet, secret: Secret, requestAuthenticator?: Buffer): 'absent' | 'valid' | 'invalid' {
  const found = attributes(packet, Attr.MessageAuthenticator)
  const [value] = found
  if (value === undefined) return 'absent'
  if (found.length > 1 || value.length !== 16) return 'invalid'
  const authenticator = requestAuthenticator ?? (packet.code === Code.AccountingRequest ? Buffer.alloc(16) : undefined)
  return sameDigest(messageAuthenticatorOf(packet.raw, secret, authenticator), value) ? 'valid' : 'invalid'
}
