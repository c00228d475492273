import { randomBytes } from 'node:crypto'
import { Microsoft, Vendor } from './attributes.js'
import { type Attribute, vendorAttribute } from './packet.js'
import { xorChain } from './user-password.js'

/**
 * MS-MPPE-Send-Key and MS-MPPE-Recv-Key (RFC 2548 §2.4.2, §2.4.3), with RFC 2548's
 * Encryption-Policy "allowed" and Types "40 or 128 bit": what a NAS that encrypts the link
 * (PPTP, L2TP, an IKEv2 VPN with EAP-MSCHAPv2 over RADIUS) needs from an MS-CHAP v2 Accept.
 */
export function mppeAttributes(keys: { readonly send: Buffer; readonly receive: Buffer }, secret: Buffer, requestAuthenticator: Buffer): Attribute[] {
  const [sendSalt, receiveSalt] = salts()
  return [
    vendorAttribute(Vendor.Microsoft, Microsoft.MsMppeEncryptionPolicy, uint32(1)),
    vendorAttribute(Vendor.Microsoft, Microsoft.MsMppeEncryptionTypes, uint32(6)),
    vendorAttribute(Vendor.Microsoft, Microsoft.MsMppeSendKey, hideKey(keys.send, secret, requestAuthenticator, sendSalt)),
    vendorAttribute(Vendor.Microsoft, Microsoft.MsMppeRecvKey, hideKey(keys.receive, secret, requestAuthenticator, receiveSalt)),
  ]
}

const uint32 = (value: number) => {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(value)
  return out
}

/** Two salts from the CSPRNG, the high bit of each set, unlike each other (RFC 2548 §2.4.2: unique in the packet). */
function salts(): [Buffer, Buffer] {
  for (;;) {
    const bytes = randomBytes(4)
    bytes[0] = (bytes[0] ?? 0) | 0x80
    bytes[2] = (bytes[2] ?? 0) | 0x80
    if (!bytes.subarray(0, 2).equals(bytes.subarray(2))) return [bytes.subarray(0, 2), bytes.subarray(2)]
  }
}

/**
 * RFC 2548 §2.4.2: the salt, then the key's length and the key padded with zeros to 16-octet
 * blocks, hidden as a User-Password is, with the Request Authenticator followed by the salt.
 */
function hideKey(key: Buffer, secret: Buffer, requestAuthenticator: Buffer, salt: Buffer): Buffer {
  const plain = Buffer.alloc(Math.ceil((key.length + 1) / 16) * 16)
  plain[0] = key.length
  key.copy(plain, 1)
  return Buffer.concat([salt, xorChain(plain, secret, Buffer.concat([requestAuthenticator, salt]), true)])
}
