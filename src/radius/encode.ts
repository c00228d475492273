import { randomBytes } from 'node:crypto'
import { Attr, Code } from './attributes.js'
import {
  type Attribute,
  checkMessageAuthenticator,
  headerLength,
  maxPacketLength,
  maxValueLength,
  md5,
  messageAuthenticatorOf,
  type Packet,
  type Secret,
  secretBytes,
} from './packet.js'
import { encryptUserPassword } from './user-password.js'

/** Where the first attribute's value starts: a Message-Authenticator put first is found here. */
const firstValue = headerLength + 2

/** Header and attributes laid out (RFC 2865 §3, §5); throws on what a packet cannot hold. */
function assemble(code: number, identifier: number, authenticator: Buffer, attributes: readonly Attribute[]): Buffer {
  if (!Number.isInteger(code) || code < 1 || code > 255) throw new RangeError(`a packet code is 1 to 255, not ${code}`)
  if (!Number.isInteger(identifier) || identifier < 0 || identifier > 255) throw new RangeError(`an Identifier is 0 to 255, not ${identifier}`)
  if (authenticator.length !== 16) throw new RangeError('an authenticator is 16 octets')
  let length = headerLength
  for (const { type, value } of attributes) {
    if (!Number.isInteger(type) || type < 1 || type > 255) throw new RangeError(`an attribute type is 1 to 255, not ${type}`)
    if (value.length === 0 || value.length > maxValueLength) {
      throw new RangeError(`attribute ${type}: a value is 1 to ${maxValueLength} octets, not ${value.length}`)
    }
    length += 2 + value.length
  }
  if (length > maxPacketLength) throw new RangeError(`a packet of ${length} octets is longer than ${maxPacketLength}`)
  const raw = Buffer.alloc(length)
  raw[0] = code
  raw[1] = identifier
  raw.writeUInt16BE(length, 2)
  authenticator.copy(raw, 4)
  let at = headerLength
  for (const { type, value } of attributes) {
    raw[at] = type
    raw[at + 1] = value.length + 2
    value.copy(raw, at + 2)
    at += 2 + value.length
  }
  return raw
}

const placeholder: Attribute = { type: Attr.MessageAuthenticator, value: Buffer.alloc(16) }

export interface Reply {
  readonly code: number
  readonly identifier: number
  readonly requestAuthenticator: Buffer
  readonly secret: Secret
  /** Neither Message-Authenticator nor Proxy-State: those are placed here. */
  readonly attributes?: readonly Attribute[]
  /** The request's Proxy-State values, copied unmodified and in order (RFC 2865 §5.33). */
  readonly proxyStates?: readonly Buffer[]
  /**
   * The request's code. An Accounting-Response carries a Message-Authenticator only when it
   * answers Status-Server (RFC 5997 §3): no RFC defines one for accounting, and FreeRADIUS would
   * check it with a zeroed authenticator field.
   */
  readonly requestCode?: number
}

/**
 * A reply with its Response Authenticator (RFC 2865 §3). Message-Authenticator comes first
 * (the BlastRADIUS mitigation: a forged prefix cannot reach past it), made with the request's
 * authenticator in the field (RFC 3579 §3.2), before the Response Authenticator that covers it.
 */
export function encodeReply(reply: Reply): Buffer {
  const given = reply.attributes ?? []
  if (given.some((a) => a.type === Attr.MessageAuthenticator || a.type === Attr.ProxyState)) {
    throw new RangeError('Message-Authenticator and Proxy-State are placed by encodeReply')
  }
  const signed = reply.code !== Code.AccountingResponse || reply.requestCode === Code.StatusServer
  const proxyStates = (reply.proxyStates ?? []).map((value) => ({ type: Attr.ProxyState, value }))
  const raw = assemble(reply.code, reply.identifier, reply.requestAuthenticator, [...(signed ? [placeholder] : []), ...given, ...proxyStates])
  if (signed) messageAuthenticatorOf(raw, reply.secret).copy(raw, firstValue)
  md5(raw, secretBytes(reply.secret)).copy(raw, 4)
  return raw
}

export interface Request {
  /** Access-Request, Accounting-Request or Status-Server. */
  readonly code: number
  readonly identifier: number
  readonly secret: Secret
  /** User-Password values are given in clear and hidden here (RFC 2865 §5.2). */
  readonly attributes?: readonly Attribute[]
  /** Put a Message-Authenticator first: by default for Access-Request and Status-Server (which RFC 5997 §3 requires). */
  readonly messageAuthenticator?: boolean
  /** Access-Request and Status-Server: this Request Authenticator rather than a random one (known-answer tests). */
  readonly authenticator?: Buffer
}

/** A request, as a NAS would send it: for tests and benchmarks. */
export function encodeRequest(request: Request): Buffer {
  const { code, secret } = request
  const given = request.attributes ?? []
  const signed = request.messageAuthenticator ?? code !== Code.AccountingRequest
  const withMa = (attributes: readonly Attribute[]) => (signed ? [placeholder, ...attributes] : attributes)
  if (code === Code.AccessRequest || code === Code.StatusServer) {
    // RFC 2865 §3: unpredictable, since it keys the User-Password stream
    const authenticator = request.authenticator ?? randomBytes(16)
    const hidden = given.map((a) => (a.type === Attr.UserPassword ? { type: a.type, value: encryptUserPassword(a.value, secret, authenticator) } : a))
    const raw = assemble(code, request.identifier, authenticator, withMa(hidden))
    if (signed) messageAuthenticatorOf(raw, secret).copy(raw, firstValue)
    return raw
  }
  if (code === Code.AccountingRequest) {
    // RFC 2866 §5.13 lists no User-Password, and it would have no authenticator to hide under
    if (given.some((a) => a.type === Attr.UserPassword)) throw new RangeError('an Accounting-Request carries no User-Password')
    const raw = assemble(code, request.identifier, Buffer.alloc(16), withMa(given))
    if (signed) messageAuthenticatorOf(raw, secret).copy(raw, firstValue)
    // RFC 2866 §3: MD5 over the packet with a zero authenticator, Message-Authenticator included
    md5(raw, secretBytes(secret)).copy(raw, 4)
    return raw
  }
  throw new RangeError(`encodeRequest makes Access-Request, Accounting-Request and Status-Server, not code ${code}`)
}

/**
 * A reply checked against the request it answers (RFC 2865 §3): its Identifier, its Response
 * Authenticator, and its Message-Authenticator when it has one (made as encodeReply makes it).
 */
export function verifyReply(
  reply: Packet,
  request: Pick<Packet, 'code' | 'identifier' | 'authenticator'>,
  secret: Secret,
): 'valid' | 'wrong Identifier' | 'wrong Response Authenticator' | 'wrong Message-Authenticator' {
  if (reply.identifier !== request.identifier) return 'wrong Identifier'
  const asSigned = Buffer.from(reply.raw)
  request.authenticator.copy(asSigned, 4)
  if (!md5(asSigned, secretBytes(secret)).equals(reply.authenticator)) return 'wrong Response Authenticator'
  // FreeRADIUS signs an Accounting-Response to an Accounting-Request over a zeroed field
  const accounting = reply.code === Code.AccountingResponse && request.code !== Code.StatusServer
  const ma = checkMessageAuthenticator(reply, secret, accounting ? Buffer.alloc(16) : request.authenticator)
  return ma === 'invalid' ? 'wrong Message-Authenticator' : 'valid'
}
