import { md5, type Secret, secretBytes } from './packet.js'

/** RFC 2865 §5.2: the hidden password is 16 to 128 octets, a multiple of 16. */
export const maxPasswordLength = 128

/**
 * The key stream of RFC 2865 §5.2, XORed into `input` 16 octets at a time: b1 = MD5(S + RA),
 * bi = MD5(S + c(i-1)), where c is the hidden text (the output when hiding, the input when
 * revealing). RFC 2548's MPPE keys are hidden with it too, RA followed by the salt (mppe.ts).
 */
export function xorChain(input: Buffer, secret: Secret, authenticator: Buffer, hiding: boolean): Buffer {
  const key = secretBytes(secret)
  const output = Buffer.alloc(input.length)
  let previous = authenticator
  for (let at = 0; at < input.length; at += 16) {
    const b = md5(key, previous)
    for (let i = 0; i < 16; i++) output[at + i] = (input[at + i] as number) ^ (b[i] as number)
    previous = (hiding ? output : input).subarray(at, at + 16)
  }
  return output
}

/**
 * A User-Password revealed (RFC 2865 §5.2), its NUL padding stripped; undefined when the value
 * cannot be one (not a multiple of 16, or longer than 128 octets).
 */
export function decryptUserPassword(value: Buffer, secret: Secret, authenticator: Buffer): Buffer | undefined {
  if (value.length === 0 || value.length % 16 !== 0 || value.length > maxPasswordLength) return undefined
  const clear = xorChain(value, secret, authenticator, false)
  let end = clear.length
  while (end > 0 && clear[end - 1] === 0) end--
  return clear.subarray(0, end)
}

/** A password hidden as User-Password (RFC 2865 §5.2): NUL-padded to a multiple of 16. */
export function encryptUserPassword(password: Buffer | string, secret: Secret, authenticator: Buffer): Buffer {
  const clear = typeof password === 'string' ? Buffer.from(password, 'utf8') : password
  if (clear.length > maxPasswordLength) throw new RangeError(`a User-Password is at most ${maxPasswordLength} octets`)
  const padded = Buffer.alloc(Math.max(16, Math.ceil(clear.length / 16) * 16))
  clear.copy(padded)
  return xorChain(padded, secret, authenticator, true)
}
