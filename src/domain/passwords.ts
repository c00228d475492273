import { randomBytes, scrypt as scryptCallback, type ScryptOptions, timingSafeEqual } from 'node:crypto'

/** One of OWASP's scrypt settings (N=2^15, r=8, p=3: 32 MiB); stored hashes carry theirs, so this can rise. */
const params = { N: 2 ** 15, r: 8, p: 3 }
const keyLength = 32
export const minPasswordLength = 12
export const maxPasswordLength = 1024

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  // maxmem must exceed 128 * N * r, or node refuses the parameters
  const maxmem = 256 * (options.N ?? 0) * (options.r ?? 0)
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize('NFC'), salt, keyLength, { ...options, maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  )
}

/** `scrypt$N$r$p$salt$hash` (base64): the parameters travel with the hash, so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(password, salt, params)
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  // parameters come from the database: bounded, so a damaged row cannot ask for gigabytes
  if (scheme !== 'scrypt' || !salt || !hash || !(Number(n) <= 2 ** 20 && Number(r) <= 32 && Number(p) <= 16)) return false
  const expected = Buffer.from(hash, 'base64')
  const key = await scrypt(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) })
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/** A hash of nothing anyone knows: checked against when the name is unknown, so timing tells nothing. */
export const decoyHash = `scrypt$${params.N}$${params.r}$${params.p}$${randomBytes(16).toString('base64')}$${randomBytes(keyLength).toString('base64')}`

export function passwordProblem(password: string): string | undefined {
  if (password.length < minPasswordLength) return `a password needs at least ${minPasswordLength} characters`
  if (password.length > maxPasswordLength) return `a password has at most ${maxPasswordLength} characters`
  return undefined
}
