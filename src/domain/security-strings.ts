import { NoUserFound } from '../protocol/errors.js'
import { messages } from '../protocol/messages.js'
import { decrypt, encrypt, keyedHash, randomString } from '../secrets.js'
import { policiesFrom, type StringType } from './policy.js'
import type { Services } from './services.js'

export const stringLength = 10
/** Indexes 1..99 are usable; field 0 is a filler of the same shape, never accepted (docs/protocol.md §3.2). */
export const batchSize = 100

const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const lower = 'abcdefghijklmnopqrstuvwxyz'
const digits = '0123456789'

export const alphabets: Readonly<Record<StringType, string>> = {
  numbers: digits,
  upper,
  lower,
  mixed: upper + lower,
  'upper-numbers': upper + digits,
}

export function hashProvisionId(services: Services, id: string): Buffer {
  return keyedHash(services.keys, 'provision-id', id)
}

/** A fresh batch: `batchSize` strings, where position n is the string of index n. */
export function newBatch(type: StringType): string[] {
  const all = randomString(alphabets[type], stringLength * batchSize)
  return Array.from({ length: batchSize }, (_, n) => all.slice(n * stringLength, (n + 1) * stringLength))
}

/** A batch is sealed as its strings joined by this, bound to its device (the string type has no such character). */
const separator = ';'
const batchContext = (deviceId: number) => `batch:${deviceId}`
const openBatchText = (services: Services, deviceId: number, sealed: Buffer) => decrypt(services.keys, sealed, batchContext(deviceId))

export const sealBatch = (services: Services, deviceId: number, strings: readonly string[]) =>
  encrypt(services.keys, strings.join(separator), batchContext(deviceId))

export const openBatch = (services: Services, deviceId: number, sealed: Buffer) => openBatchText(services, deviceId, sealed).split(separator)

/**
 * String `index` of a sealed batch, as `openBatch(…)[index] ?? ''`: what a login needs, found
 * without making an array of all 100 (a measurable share of a login's allocations).
 */
export function openBatchString(services: Services, deviceId: number, sealed: Buffer, index: number): string {
  const strings = openBatchText(services, deviceId, sealed)
  let start = 0
  for (let n = 0; n < index; n++) {
    const next = strings.indexOf(separator, start)
    if (next === -1) return ''
    start = next + 1
  }
  const end = strings.indexOf(separator, start)
  return strings.slice(start, end === -1 ? strings.length : end)
}

/**
 * The `SecurityStrings` download (docs/protocol.md §3.2): the provision id alone names the device; each
 * download issues a fresh batch and the previous one stops working.
 */
export async function downloadSecurityStrings(services: Services, id: string): Promise<string[]> {
  const idHash = hashProvisionId(services, id)
  const download = await services.store.download(idHash, ({ settings, device }, writes) => {
    if (!device) return undefined
    const strings = newBatch(policiesFrom(settings)['security-string-type'])
    writes.replaceBatch(device.id, sealBatch(services, device.id, strings), services.now())
    return { owner: device.userName, strings }
  })
  if (!download) throw new NoUserFound({ event: 'unknownMobile', level: 'warn', message: messages.unknownMobile() })
  services.log.info({ user: download.owner, event: 'stringsFetched' }, messages.stringsFetched(download.owner))
  return download.strings
}
