import { inTransaction } from '../db/engine.js'
import type { User } from '../db/index.js'
import { lockUserByKey, lockUsersWithoutPin, pageUsersWithoutPin, updateUser } from '../db/repositories/users.js'
import { messages } from '../protocol/messages.js'
import { deliverableDestination, queueMessage, withdrawQueued } from '../transports/queue.js'
import { readDelivery } from './delivery.js'
import { NoDestination, TransportNotConfigured, UserNotFound } from './errors.js'
import { defaultPinTemplate } from './pin-message.js'
import { generatePin } from './pin-rules.js'
import { pinFields } from './pins.js'
import { readPolicies } from './policy.js'
import { fillTemplate } from './provision-message.js'
import { undeliverableReason } from './provision-code.js'
import type { DeliverySettings, Services } from './services.js'
import { nameKey } from './user-names.js'

/**
 * PINs made for users (docs/operations.md "PINs"): a random PIN, sealed at once, and a message
 * with it queued by the user's own transport in the same transaction. For new users with the
 * mobile right (`send-pin-on-create`), users who gain the right, `user send-pins`, and an
 * administrator's reset. The PIN is in the sealed message body only: never in a log line.
 */

/** Why a PIN is made: shown in the log and the audit row. */
export type PinOccasion = 'new user' | 'mobile right' | 'send-pins'

export interface PinsSent {
  readonly sent: number
  /** Users who could not be sent one (no address, transport not configured), by reason. */
  readonly unsent: ReadonlyMap<string, number>
}

const chunk = 20

/** Why a queued message with a PIN is not sent: the PIN it carries was replaced (every path that sets a PIN withdraws it). */
export const supersededByPin = 'superseded by a newer PIN'

/** The queued message that carries `pin`: the credentials template, withdrawing an older PIN's message still queued. */
async function queuePin(services: Services, delivery: DeliverySettings, trx: Services['db'], user: User, destination: string, pin: string): Promise<void> {
  const { pinTemplate = defaultPinTemplate, site, pages = '' } = delivery
  const message = fillTemplate(pinTemplate, { user: user.name, pin, site, change: `${pages}/reset/changepin.jsp` })
  await withdrawQueued(trx, user, supersededByPin, 'pin')
  await queueMessage(services, trx, user, destination, { ...message, kind: 'pin' })
}

function destinationOrReason(delivery: DeliverySettings, user: User): { destination: string } | { reason: string } {
  try {
    return { destination: deliverableDestination(delivery, user) }
  } catch (err) {
    if (!(err instanceof NoDestination || err instanceof TransportNotConfigured)) throw err
    return { reason: undeliverableReason(err) }
  }
}

/**
 * A PIN for each of these users who has the mobile right and still no PIN (checked again under
 * the row lock, so that two runs never make two PINs for one user), sent by their transport.
 * Users who cannot be sent one keep no PIN and are counted by reason: a later `user send-pins`
 * reaches them once they have an address.
 */
export async function sendNewPins(services: Services, ids: readonly number[], occasion: PinOccasion): Promise<PinsSent> {
  const policies = await readPolicies(services)
  const unsent = new Map<string, number>()
  let sent = 0
  for (let start = 0; start < ids.length; start += chunk) {
    const now = services.now()
    const delivery = await readDelivery(services)
    const made = await inTransaction(services.db, async (trx) => {
      const done: { user: User; destination: string }[] = []
      for (const user of await lockUsersWithoutPin(trx, ids.slice(start, start + chunk))) {
        const to = destinationOrReason(delivery, user)
        if ('reason' in to) {
          unsent.set(to.reason, (unsent.get(to.reason) ?? 0) + 1)
          continue
        }
        const pin = generatePin(policies['pin-length'])
        await updateUser(trx, user.id, pinFields(services, user, pin, now))
        await queuePin(services, delivery, trx, user, to.destination, pin)
        done.push({ user, destination: to.destination })
      }
      return done
    })
    for (const { user, destination } of made) {
      services.log.info({ user: user.name, event: 'pinCreated', reason: occasion }, messages.pinCreated(user.name))
      services.log.info({ user: user.name, event: 'messageQueued', destination }, messages.messageQueued(user.name, destination))
    }
    sent += made.length
    if (made.length > 0) services.onMessageQueued?.()
    // a sync's thousands of users: logins are served between the chunks
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  for (const [reason, count] of unsent) {
    services.log.warn({ event: 'pinNotSent', reason, users: count }, `PIN not sent to ${count} user${count === 1 ? '' : 's'} without one: ${reason}`)
  }
  return { sent, unsent }
}

/** New users (or users who just gained the mobile right) get a PIN when `send-pin-on-create` says so. */
export async function sendPinsOnCreate(services: Services, ids: readonly number[], occasion: PinOccasion): Promise<PinsSent | undefined> {
  if (ids.length === 0 || !(await readPolicies(services))['send-pin-on-create']) return undefined
  return sendNewPins(services, ids, occasion)
}

/** `user send-pins`: every user with the mobile right and no PIN (of one repository), a page at a time; run again, it sends nothing more. */
export async function sendMissingPins(services: Services, repositoryId?: number): Promise<PinsSent> {
  const unsent = new Map<string, number>()
  let sent = 0
  for (let after = 0; ; ) {
    const ids = await pageUsersWithoutPin(services.db, after, 1000, repositoryId)
    if (ids.length === 0) break
    const page = await sendNewPins(services, ids, 'send-pins')
    sent += page.sent
    for (const [reason, count] of page.unsent) unsent.set(reason, (unsent.get(reason) ?? 0) + count)
    after = ids[ids.length - 1] ?? after
  }
  return { sent, unsent }
}

export interface ResetPin {
  /** The new PIN, only when the caller hands it over itself (`--print-pin`). */
  readonly pin: string | undefined
  readonly destination: string | undefined
}

/**
 * An administrator's "Reset PIN" (PINsafe's helpdesk "send new credentials"): a new random PIN
 * replaces the old at once and goes by the user's transport, or is handed back to be printed
 * once. A user whose transport cannot reach them is refused, and keeps their PIN.
 */
export async function resetPin(services: Services, name: string, options: { print: boolean }): Promise<ResetPin> {
  const policies = await readPolicies(services)
  const pin = generatePin(policies['pin-length'])
  const delivery = await readDelivery(services)
  const result = await inTransaction(services.db, async (trx) => {
    const user = await lockUserByKey(trx, nameKey(name))
    if (!user) throw new UserNotFound(name)
    const destination = options.print ? undefined : deliverableDestination(delivery, user)
    await updateUser(trx, user.id, pinFields(services, user, pin, services.now()))
    if (destination !== undefined) await queuePin(services, delivery, trx, user, destination, pin)
    else await withdrawQueued(trx, user, supersededByPin, 'pin')
    return { user, destination }
  })
  const { user, destination } = result
  services.log.info({ user: user.name, event: 'pinReset', reason: destination === undefined ? 'handed over' : 'sent' }, messages.pinReset(user.name))
  if (destination !== undefined) {
    services.log.info({ user: user.name, event: 'messageQueued', destination }, messages.messageQueued(user.name, destination))
    services.onMessageQueued?.()
  }
  return { pin: options.print ? pin : undefined, destination }
}
