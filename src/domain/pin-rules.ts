import { randomString } from '../secrets.js'
import { InvalidInput } from './errors.js'
import type { Policies } from './policy.js'

/**
 * What a new PIN must be (docs/operations.md "PINs"), chosen or generated, by any path: digits
 * only, `pin-length` to 10 of them, and not weak. PINs stored before these rules keep working:
 * only a new PIN is judged.
 */
export const longestPin = 10

/** 4-digit PINs that people pick far more often than chance (published PIN frequency studies). */
export const deniedPins: readonly string[] = ['1122', '2580', '0852', '1004', '6969', '1010', '7777']

const keyboardRow = '1234567890'
const digitOrder = '0123456789'

/** Each digit one up (or one down) from the last, in numeric order or along the keyboard's row (7890). */
function isRun(pin: string): boolean {
  const within = (order: string) => order.includes(pin) || [...order].reverse().join('').includes(pin)
  return within(digitOrder) || within(keyboardRow)
}

/**
 * Weak: one digit repeated (1111), a run up or down (1234, 0123, 9876, 7890), a pair repeated
 * (1212, 696969), a year (19xx, 20xx) for 4 digits, or one of `deniedPins`. 2468 is not weak.
 */
export function isWeakPin(pin: string): boolean {
  if (/^(\d)\1*$/.test(pin)) return true
  if (isRun(pin)) return true
  if (/^(\d\d)\1+$/.test(pin)) return true
  if (pin.length === 4 && /^(19|20)\d\d$/.test(pin)) return true
  return deniedPins.includes(pin)
}

/** Why `pin` cannot be a new PIN under these policies, in words for the person who chose it; undefined when it can. */
export function pinProblem(pin: string, policies: Pick<Policies, 'pin-length'>): string | undefined {
  const shortest = policies['pin-length']
  if (!/^\d+$/.test(pin)) return `a PIN is made of digits only (${shortest} to ${longestPin} of them)`
  if (pin.length < shortest || pin.length > longestPin) return `a PIN is ${shortest} to ${longestPin} digits`
  if (isWeakPin(pin)) return 'that PIN is too easy to guess (a repeated digit, a run such as 1234, a repeated pair or a year): choose another'
  return undefined
}

/** The PIN, when it may be a new PIN; else an InvalidInput saying why. */
export function checkNewPin(pin: string, policies: Pick<Policies, 'pin-length'>): string {
  const problem = pinProblem(pin, policies)
  if (problem !== undefined) throw new InvalidInput(problem)
  return pin
}

/** A random PIN of `length` digits from the CSPRNG, never a weak one. */
export function generatePin(length: number): string {
  for (;;) {
    const pin = randomString(digitOrder, length)
    if (!isWeakPin(pin)) return pin
  }
}
