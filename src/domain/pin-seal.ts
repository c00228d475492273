import type { User } from '../db/schema/index.js'
import { decrypt, encrypt, type Keys } from '../secrets.js'
import type { Services } from './services.js'

/** A PIN at rest: AES-GCM with the master key, bound to the user's name (it cannot be moved to another row). */
const pinContext = (name: string) => `pin:${name}`

export const sealPin = (services: Services, name: string, pin: string) => encrypt(services.keys, pin, pinContext(name))

/** Whether these keys open a user's sealed PIN: a database restored with another key opens none. */
export function keysOpenPin(keys: Keys, name: string, sealed: Buffer): boolean {
  try {
    decrypt(keys, sealed, pinContext(name))
    return true
  } catch {
    return false
  }
}

export function openPin(services: Services, user: Pick<User, 'name' | 'pin'>): string | undefined {
  return user.pin ? decrypt(services.keys, user.pin, pinContext(user.name)) : undefined
}

