import { createCipheriv, hash } from 'node:crypto'
import { createMD4, type IHasher } from 'hash-wasm'

/**
 * The MS-CHAP algorithms (RFC 2433 Appendix A, RFC 2759 §8): what the peer's NT-Response is made
 * of, and the authenticator response an MS-CHAP v2 Access-Accept carries. MD4 comes from
 * hash-wasm and DES from OpenSSL, whose 3.x keeps both in a legacy provider node does not load:
 * triple DES with one key three times over is single DES, and triple DES is in the default one.
 */
export interface MsChap {
  /** NtPasswordHash (RFC 2759 §8.3): MD4 of the password in UTF-16LE. */
  ntPasswordHash(password: string): Buffer
  /** GenerateAuthenticatorResponse (RFC 2759 §8.7): `S=` and 40 upper-case hex digits. */
  authenticatorResponse(passwordHash: Buffer, ntResponse: Buffer, challengeHash: Buffer): string
  /** The server's 128-bit MPPE keys of an MS-CHAP v2 exchange (RFC 3079 §3.4, §3.5): what it sends with, and receives with. */
  mppeKeys(passwordHash: Buffer, ntResponse: Buffer): { readonly send: Buffer; readonly receive: Buffer }
}

let hasher: Promise<IHasher> | undefined

/** The algorithms, ready: MD4's WebAssembly is compiled once, on the first MS-CHAP request. */
export async function msChap(): Promise<MsChap> {
  const md4 = await (hasher ??= createMD4())
  // synchronous from here: one hash at a time, never interleaved
  const digest = (data: Buffer) => Buffer.from(md4.init().update(data).digest('binary'))
  return {
    ntPasswordHash: (password) => digest(Buffer.from(password, 'utf16le')),
    authenticatorResponse(passwordHash, ntResponse, challengeHash) {
      const first = sha1(digest(passwordHash), ntResponse, magicServerToClient)
      return `S=${sha1(first, challengeHash, magicPad).toString('hex').toUpperCase()}`
    },
    mppeKeys(passwordHash, ntResponse) {
      const master = sha1(digest(passwordHash), ntResponse, magicMasterKey).subarray(0, 16)
      return { send: startKey(master, magicServerSends), receive: startKey(master, magicServerReceives) }
    },
  }
}

// RFC 3079 §3.4's Magic1, Magic3 (the server's send key) and Magic2 (its receive key), and SHSpad1, SHSpad2
const magicMasterKey = Buffer.from('This is the MPPE Master Key')
const magicServerSends = Buffer.from('On the client side, this is the receive key; on the server side, it is the send key.')
const magicServerReceives = Buffer.from('On the client side, this is the send key; on the server side, it is the receive key.')
const shsPad1 = Buffer.alloc(40, 0x00)
const shsPad2 = Buffer.alloc(40, 0xf2)

/** GetAsymmetricStartKey (RFC 3079 §3.4) for a 16-octet session key. */
const startKey = (masterKey: Buffer, magic: Buffer) => sha1(masterKey, shsPad1, magic, shsPad2).subarray(0, 16)

const magicServerToClient = Buffer.from('Magic server to client signing constant')
const magicPad = Buffer.from('Pad to make it do more than one iteration')

const sha1 = (...parts: readonly Buffer[]): Buffer => hash('sha1', Buffer.concat(parts), 'buffer')

/** ChallengeHash (RFC 2759 §8.2): the first 8 octets of SHA-1 over the two challenges and the user's name. */
export const challengeHash = (peerChallenge: Buffer, authenticatorChallenge: Buffer, userName: Buffer): Buffer =>
  sha1(peerChallenge, authenticatorChallenge, userName).subarray(0, 8)

/**
 * ChallengeResponse (RFC 2433 A.5, RFC 2759 §8.5): the 8-octet challenge DES-encrypted under
 * each 7-octet third of the password hash padded with zeros to 21 octets.
 */
export function challengeResponse(challenge: Buffer, passwordHash: Buffer): Buffer {
  const padded = Buffer.alloc(21)
  passwordHash.copy(padded, 0, 0, 16)
  return Buffer.concat([0, 7, 14].map((at) => desEncrypt(challenge, padded.subarray(at, at + 7))))
}

/** DesEncrypt (RFC 2759 §8.6): one 8-octet block under a 56-bit key. */
function desEncrypt(block: Buffer, key7: Buffer): Buffer {
  const key = desKey(key7)
  const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([key, key, key]), null)
  cipher.setAutoPadding(false)
  return Buffer.concat([cipher.update(block), cipher.final()])
}

/** 56 key bits spread over 8 octets, seven to an octet, the lowest bit of each the odd parity bit. */
function desKey(key7: Buffer): Buffer {
  const key = Buffer.alloc(8)
  for (let i = 0; i < 8; i++) {
    const bit = i * 7
    const pair = ((key7[bit >> 3] ?? 0) << 8) | (key7[(bit >> 3) + 1] ?? 0)
    const seven = (pair >> (9 - (bit & 7))) & 0x7f
    key[i] = (seven << 1) | (ones(seven) % 2 === 0 ? 1 : 0)
  }
  return key
}

const ones = (n: number): number => (n === 0 ? 0 : (n & 1) + ones(n >> 1))
