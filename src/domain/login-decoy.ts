import type { User } from '../db/index.js'
import { decrypt, encrypt, type Keys, randomString } from '../secrets.js'
import { newBatch, sealBatch } from './security-strings.js'
import type { Services } from './services.js'

/**
 * What a login for an unknown user is checked against, so that it costs what a wrong code of a
 * real user costs (docs/protocol.md §6): a sealed 10-digit PIN and a sealed batch of 100 strings, made once
 * per key and kept in memory only. No row of the database has id 0, so the decoy's burns and
 * failures, written like a real user's, change nothing.
 */
export interface Decoy {
  readonly user: Pick<User, 'id' | 'failed_logins' | 'locked_at'> & { readonly id: 0 }
  readonly batch: { readonly id: 0; readonly deviceId: 0; readonly sealed: Buffer; isUsed(index: number): boolean }
  readonly sealedPin: Buffer
}

const pinContext = 'pin:\u0000decoy'
const decoys = new WeakMap<Keys, Decoy>()

export function decoyFor(services: Services): Decoy {
  let decoy = decoys.get(services.keys)
  if (!decoy) {
    decoy = {
      user: { id: 0, failed_logins: 0, locked_at: null },
      batch: { id: 0, deviceId: 0, sealed: sealBatch(services, 0, newBatch('numbers')), isUsed: () => false },
      sealedPin: encrypt(services.keys, randomString('0123456789', 10), pinContext),
    }
    decoys.set(services.keys, decoy)
  }
  return decoy
}

/** The decoy's PIN, decrypted as a real PIN is, cut to the length the presented code has. */
export function openDecoyPin(services: Services, decoy: Decoy, length: number): string {
  return decrypt(services.keys, decoy.sealedPin, pinContext).slice(0, length)
}
