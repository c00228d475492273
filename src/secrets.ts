import {
  createCipheriv,
  createDecipheriv,
  hash,
  hkdfSync,
  randomBytes,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/** Keys derived from the master key; the master key never lives in the database. */
export interface Keys {
  readonly hash: Buffer
  readonly encrypt: Buffer
}

export function deriveKeys(master: Buffer): Keys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32))
  return Object.freeze({ hash: derive('agentxml keyed hash v1'), encrypt: derive('agentxml encryption v1') })
}

/** The master key cannot be had as configured: one line for the operator. */
export class KeyError extends Error {}

export interface KeySource {
  /** `AGENTXML_SECRET_KEY`: 64 hex characters; wins over the file. */
  readonly fromEnv: string | undefined
  /** The key file, when there is one (beside a SQLite database unless `--key-file` says). */
  readonly keyFile: string | undefined
  /**
   * Make a key file when there is none: only for a new SQLite database. A database that exists
   * was made with a key, and a new one would make every sealed value unreadable.
   */
  readonly create: boolean
}

/** The master key (operations: Files); never generated unless `create` says so. */
export function loadMasterKey(source: KeySource): Buffer {
  const { fromEnv, keyFile } = source
  if (fromEnv !== undefined) return parseKey(fromEnv, 'AGENTXML_SECRET_KEY')
  if (keyFile === undefined) {
    throw new KeyError('PostgreSQL needs the master key given: AGENTXML_SECRET_KEY, or --key-file FILE, the same on every node (none is generated)')
  }
  if (!existsSync(keyFile)) {
    if (!source.create) throw new KeyError(`the key file ${keyFile} is missing: restore it (the database was made with it), or set AGENTXML_SECRET_KEY`)
    mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 })
    try {
      writeFileSync(keyFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' })
    } catch (err) {
      // another process created it first: use theirs
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
  if ((statSync(keyFile).mode & 0o077) !== 0) chmodSync(keyFile, 0o600)
  return parseKey(readFileSync(keyFile, 'utf8'), keyFile)
}

function parseKey(text: string, source: string): Buffer {
  const hex = text.trim()
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new KeyError(`${source} must hold 64 hexadecimal characters (32 random bytes), e.g. from: openssl rand -hex 32`)
  return Buffer.from(hex, 'hex')
}

/** What the database stores to recognise its key: derived from it, useless to find it. */
export function keyCheck(keys: Keys): string {
  return keyedHash(keys, 'key-check', 'agentxml').toString('hex')
}

/** HMAC-SHA256 of a value, bound to its purpose: what we store instead of a code or an id. */
export function keyedHash(keys: Keys, purpose: string, value: string): Buffer {
  const data = Buffer.from(`${purpose}\0${value}`)
  const digest = hmac('sha256', keys.hash, data)
  // the value (a code, a secret) was written into node's shared pool: not left there
  data.fill(0)
  return digest
}

/** The digests HMAC is made with here: each has 64-octet blocks. */
export type HmacDigest = 'md5' | 'sha1' | 'sha256'

/**
 * HMAC (RFC 2104) of `data` under `key`: the octets `createHmac(digest, key)` gives, made of two
 * one-shot digests. An Hmac object, one per call, is finalised by the garbage collector with a
 * weak callback; at a few thousand logins a second those callbacks were a third of every
 * young-generation pause (docs/benchmarks.md). test/hmac.test.ts checks it against createHmac.
 */
export function hmac(digest: HmacDigest, key: Buffer, data: Buffer): Buffer {
  const block = 64
  const short = key.length > block ? hash(digest, key, 'buffer') : key
  // (key ^ opad) | (key ^ ipad) | data: the inner digest is over the last two, the outer over
  // the first and the inner digest, written where the inner pad was. Every octet is written
  // before it is read, so the buffer may come from node's pool (no ArrayBuffer of its own); it
  // holds the key's pads and the data, so it is zeroed before the pool hands it out again.
  const buffer = Buffer.allocUnsafe(2 * block + data.length)
  for (let i = 0; i < block; i++) {
    const k = i < short.length ? (short[i] as number) : 0
    buffer[i] = k ^ 0x5c
    buffer[block + i] = k ^ 0x36
  }
  data.copy(buffer, 2 * block)
  const inner = hash(digest, buffer.subarray(block), 'buffer')
  inner.copy(buffer, block)
  const outer = hash(digest, buffer.subarray(0, block + inner.length), 'buffer')
  buffer.fill(0)
  return outer
}

export function sha256(value: string): Buffer {
  return hash('sha256', value, 'buffer')
}

/** Constant-time comparison; buffers of different lengths are compared against themselves. */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) {
    timingSafeEqual(a, a)
    return false
  }
  return timingSafeEqual(a, b)
}

/** AES-256-GCM; `context` (e.g. "pin:42") is authenticated, so a value cannot be moved to another row. */
export function encrypt(keys: Keys, plaintext: string, context: string): Buffer {
  const iv = randomPoolBytes(12)
  const cipher = createCipheriv('aes-256-gcm', keys.encrypt, iv)
  cipher.setAAD(Buffer.from(context))
  const body = cipher.update(plaintext, 'utf8')
  const rest = cipher.final()
  return Buffer.concat([iv, cipher.getAuthTag(), body, rest])
}

export function decrypt(keys: Keys, sealed: Buffer, context: string): string {
  const decipher = createDecipheriv('aes-256-gcm', keys.encrypt, sealed.subarray(0, 12))
  decipher.setAAD(Buffer.from(context))
  decipher.setAuthTag(sealed.subarray(12, 28))
  // final() checks the tag, and throws if the value or its context is not the one sealed
  return decipher.update(sealed.subarray(28), undefined, 'utf8') + decipher.final('utf8')
}

/**
 * CSPRNG bytes taken from a pool filled 16 KiB at a time: a batch of security strings needs
 * about a thousand, and one call to the generator for each batch costs more than all the rest
 * of its making. Every byte is used once.
 */
const pool = Buffer.alloc(16 * 1024)
let poolUsed = pool.length

function randomByte(): number {
  if (poolUsed === pool.length) {
    randomFillSync(pool)
    poolUsed = 0
  }
  return pool[poolUsed++] as number
}

/** `size` fresh CSPRNG bytes (IVs, ids). */
export function randomPoolBytes(size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size)
  for (let i = 0; i < size; i++) bytes[i] = randomByte()
  return bytes
}

/** `length` characters drawn uniformly from `alphabet` (ASCII) with the CSPRNG (rejection sampling). */
export function randomString(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length)
  const out = Buffer.allocUnsafe(length)
  for (let filled = 0; filled < length; ) {
    const byte = randomByte()
    if (byte < limit) out[filled++] = alphabet.charCodeAt(byte % alphabet.length)
  }
  return out.toString('latin1')
}

export function randomHex(bytes: number): string {
  return randomPoolBytes(bytes).toString('hex')
}
