/**
 * Mobile one-time codes (docs/protocol.md §3.4), pure: the server that verifies them, the reference mobile
 * client that shows them and the benchmark that mints them all use these functions.
 *
 * For each digit d of the PIN take the character at position d of the security string
 * (positions 1..9, and `0` means position 10), then append the string's two-digit index:
 * string `0123456789`, PIN `9132`, index 6 → `802106`. Clients before 3.10 put a comma before
 * the index: `8021,06`.
 */

/** The indexes of a batch a code can use; index 0 is the filler, never accepted (docs/protocol.md §3.2). */
export const firstIndex = 1
export const lastIndex = 99

/** Where a PIN digit points in a security string, counting from 1: `0` is position 10. */
export const positionOf = (digit: string): number => (digit === '0' ? 10 : Number(digit))

/** The code part of an OTC: the characters of `string` that the PIN's digits point at. */
export function deriveCode(string: string, pin: string): string {
  let code = ''
  for (const digit of pin) code += string.charAt(positionOf(digit) - 1)
  return code
}

export const formatIndex = (index: number): string => String(index).padStart(2, '0')

export type OtcForm = 'modern' | 'legacy'

/** The whole OTC a user types: the code, then the index (after a comma in the legacy form). */
export function deriveOtc(string: string, pin: string, index: number, form: OtcForm = 'modern'): string {
  if (!/^\d{1,10}$/.test(pin)) throw new RangeError('a PIN is made of digits')
  if (!Number.isInteger(index) || index < firstIndex || index > lastIndex) {
    throw new RangeError(`an OTC index is ${firstIndex} to ${lastIndex}`)
  }
  return `${deriveCode(string, pin)}${form === 'legacy' ? ',' : ''}${formatIndex(index)}`
}

export interface PresentedOtc {
  /** The code part: exactly as long as the PIN it was checked against. */
  readonly code: string
  /** The string it names, 1..99; undefined for an index no string has (00, or 100 and up). */
  readonly index: number | undefined
}

/**
 * Split what the user typed into code and index, for a PIN of `pinLength` digits; undefined when
 * it cannot be a mobile code for that PIN (wrong length, no index): AGENT_ERROR_BAD_OTC.
 *
 * The index is two digits. Three digits are read too, as an index past 99, so that `…100` is a
 * failed attempt at a string that does not exist rather than a malformed code.
 */
export function parseOtc(otc: string, pinLength: number): PresentedOtc | undefined {
  const comma = otc.indexOf(',')
  const code = comma >= 0 ? otc.slice(0, comma) : otc.slice(0, pinLength)
  const digits = comma >= 0 ? otc.slice(comma + 1) : otc.slice(pinLength)
  if (code.length !== pinLength || !/^\d{2,3}$/.test(digits)) return undefined
  const value = Number(digits)
  const usable = digits.length === 2 && value >= firstIndex && value <= lastIndex
  return { code, index: usable ? value : undefined }
}

/**
 * The user's directory password and their one-time code typed into one field (RADIUS
 * `--check-password`, docs/operations.md): the code is the field's last PIN-length + 2
 * characters, or + 3 when the third from last is a comma (the legacy form `5938,01`); the
 * password is what comes before. A field too short to hold both gives an empty password.
 */
export function splitPasswordAndCode(field: string, pinLength: number): { password: string; code: string } {
  const codeLength = field.at(-3) === ',' ? pinLength + 3 : pinLength + 2
  const cut = Math.max(0, field.length - codeLength)
  return { password: field.slice(0, cut), code: field.slice(cut) }
}

/**
 * The length of the code part of `otc` as typed, clamped to a PIN's 4..10 digits: what a decoy
 * check of an unknown user parses with, so that it gets as far as a real user's check would.
 */
export function presentedCodeLength(otc: string): number {
  const comma = otc.indexOf(',')
  const length = comma >= 0 ? comma : otc.length - 2
  return Math.min(10, Math.max(4, length))
}
