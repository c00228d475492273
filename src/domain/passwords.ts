import { randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto'
import { type Keys, keyedHash, safeEqual } from '../secrets.js'

/** One of OWASP's scrypt settings (N=2^15, r=8, p=3: 32 MiB); stored hashes carry theirs, so this can rise. */
const params = { N: 2 ** 15, r: 8, p: 3 }
const keyLength = 32
export const minPasswordLength = 12
export const maxPasswordLength = 1024

/**
 * Stored hashes are keyed (issue #25, item 9): the scrypt output passed through an HMAC with a
 * key derived from the master key, so that a row written into a database or a backup without
 * that key matches no password. `scrypt$…` is the unkeyed form of earlier versions: it never
 * signs in, and `keyLegacyHash` turns it into the keyed one without the password.
 */
const keyedScheme = 'scrypt-hmac'
const legacyScheme = 'scrypt'

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  // maxmem must exceed 128 * N * r, or node refuses the parameters
  const maxmem = 256 * (options.N ?? 0) * (options.r ?? 0)
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize('NFC'), salt, keyLength, { ...options, maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

const keyed = (keys: Keys, output: Buffer) => keyedHash(keys, 'admin-password', output.toString('base64'))

/** `scrypt-hmac$N$r$p$salt$mac` (base64): the parameters travel with the hash, so they can be raised later. */
export async function hashPassword(password: string, keys: Keys): Promise<string> {
  const salt = randomBytes(16)
  const output = await scrypt(password, salt, params)
  return [keyedScheme, params.N, params.r, params.p, salt.toString('base64'), keyed(keys, output).toString('base64')].join('$')
}

export async function verifyPassword(password: string, stored: string, keys: Keys): Promise<boolean> {
  const [scheme, n, r, p, salt, mac] = stored.split('$')
  // parameters come from the database: bounded, so a damaged row cannot ask for gigabytes
  if (scheme !== keyedScheme || !salt || !mac || !(Number(n) <= 2 ** 20 && Number(r) <= 32 && Number(p) <= 16)) return false
  const output = await scrypt(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) })
  return safeEqual(keyed(keys, output), Buffer.from(mac, 'base64'))
}

/** The keyed form of an unkeyed `scrypt$…` hash (the same password matches it), or undefined for any other value. */
export function keyLegacyHash(stored: string, keys: Keys): string | undefined {
  const [scheme, n, r, p, salt, hash, ...rest] = stored.split('$')
  if (scheme !== legacyScheme || !salt || !hash || rest.length > 0) return undefined
  return [keyedScheme, n, r, p, salt, keyed(keys, Buffer.from(hash, 'base64')).toString('base64')].join('$')
}

/** A hash of nothing anyone knows: checked against when the name is unknown, so timing tells nothing. */
export const decoyHash = `${keyedScheme}$${params.N}$${params.r}$${params.p}$${randomBytes(16).toString('base64')}$${randomBytes(32).toString('base64')}`

export function passwordProblem(password: string): string | undefined {
  if (password.length < minPasswordLength) return `a password needs at least ${minPasswordLength} characters`
  if (password.length > maxPasswordLength) return `a password has at most ${maxPasswordLength} characters`
  return undefined
}
