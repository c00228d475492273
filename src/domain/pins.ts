import type { User } from '../db/schema/index.js'
import { keyedHash, safeEqual } from '../secrets.js'
import { InvalidInput } from './errors.js'
import { checkNewPin } from './pin-rules.js'
import type { Policies } from './policy.js'
import type { Services } from './services.js'
import { openPin, sealPin } from './pin-seal.js'

/**
 * A user's PIN as it changes: the columns a new PIN writes, and the history that keeps a user
 * from going back to a recent one. The history holds keyed hashes (HMAC with the master key,
 * bound to the user's id), never PINs, newest first; nine are kept whatever `pin-history`
 * says, so that raising the policy takes effect at once.
 */
const hashLength = 32
export const keptHistory = 9

type PinHolder = Pick<User, 'id' | 'name' | 'pin' | 'pin_history'>

const historyHash = (services: Services, user: Pick<User, 'id'>, pin: string) => keyedHash(services.keys, 'pin-history', `${user.id}:${pin}`)

/** What a new PIN writes to the user's row. */
export interface PinFields {
  readonly pin: Buffer
  readonly pin_set_at: number
  readonly pin_history: Buffer | null
  readonly pin_reminded_at: null
}

/** The current PIN, or undefined when there is none or it cannot be opened (sealed with another key). */
function currentPin(services: Services, user: PinHolder): string | undefined {
  try {
    return openPin(services, user)
  } catch {
    return undefined
  }
}

/** The row's new PIN columns: `pin` sealed, the old PIN's hash pushed onto the history. */
export function pinFields(services: Services, user: PinHolder, pin: string, now: number): PinFields {
  const old = currentPin(services, user)
  const history = old === undefined ? user.pin_history : Buffer.concat([historyHash(services, user, old), user.pin_history ?? Buffer.alloc(0)]).subarray(0, keptHistory * hashLength)
  return { pin: sealPin(services, user.name, pin), pin_set_at: now, pin_history: history, pin_reminded_at: null }
}

/** Whether `pin` is the user's current PIN or one of the `depth - 1` before it; every stored hash is compared. */
export function usedRecently(services: Services, user: PinHolder, pin: string, depth: number): boolean {
  if (depth === 0) return false
  const current = currentPin(services, user)
  let used = current !== undefined && safeEqual(Buffer.from(current), Buffer.from(pin))
  const wanted = historyHash(services, user, pin)
  const history = user.pin_history ?? Buffer.alloc(0)
  for (let n = 0; n < depth - 1 && (n + 1) * hashLength <= history.length; n++) {
    used = safeEqual(history.subarray(n * hashLength, (n + 1) * hashLength), wanted) || used
  }
  return used
}

/** A PIN the user (or an administrator for them) chose: the rules of pin-rules.ts, then the history. */
export function checkChosenPin(services: Services, user: PinHolder, pin: string, policies: Policies): string {
  checkNewPin(pin, policies)
  const depth = policies['pin-history']
  if (usedRecently(services, user, pin, depth)) {
    throw new InvalidInput(depth === 1 ? 'that is the current PIN: choose another' : `that PIN is the current one or one of the ${depth - 1} before it: choose another`)
  }
  return pin
}

/** When the user's PIN expires under these policies; undefined when it never does (or there is none). */
export function pinExpiresAt(user: Pick<User, 'pin' | 'pin_set_at'>, policies: Policies): number | undefined {
  const days = policies['pin-expiry-days']
  if (days === 0 || user.pin === null || user.pin_set_at === null) return undefined
  return user.pin_set_at + days * 86_400_000
}
