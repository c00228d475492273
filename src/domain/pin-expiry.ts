import { inTransaction } from '../db/engine.js'
import { lockUserByKey, updateUser, usersToRemind } from '../db/repositories/users.js'
import { messages } from '../protocol/messages.js'
import { deliverableDestination, queueMessage, withdrawQueued } from '../transports/queue.js'
import { readDelivery } from './delivery.js'
import { NoDestination, TransportNotConfigured } from './errors.js'
import { pinExpiryTemplate } from './pin-message.js'
import { pinExpiresAt } from './pins.js'
import { readPolicies } from './policy.js'
import { fillTemplate } from './provision-message.js'
import type { Services } from './services.js'
import { nameKey } from './user-names.js'

const day = 86_400_000

/**
 * The reminder that a PIN expires (`pin-expiry-days`, `pin-expiry-reminder-days`): sent once per
 * PIN, by the user's transport, when the PIN is within the reminder's days of expiring; a new PIN
 * clears the mark (domain/pins.ts). A user who cannot be reached is marked all the same, so that
 * the chore does not try them every hour. Returns how many were reminded.
 */
export async function remindExpiringPins(services: Services): Promise<number> {
  const policies = await readPolicies(services)
  const days = policies['pin-expiry-days']
  const before = policies['pin-expiry-reminder-days']
  if (days === 0 || before === 0) return 0
  const now = services.now()
  const delivery = await readDelivery(services)
  const change = `${delivery.pages ?? ''}/reset/changepin.jsp`
  let reminded = 0
  for (;;) {
    const users = await usersToRemind(services.db, now - Math.max(0, days - before) * day, 200)
    if (users.length === 0) return reminded
    for (const user of users) {
      const sent = await inTransaction(services.db, async (trx) => {
        const locked = await lockUserByKey(trx, nameKey(user.name))
        if (!locked || locked.pin_reminded_at !== null || locked.pin_set_at !== user.pin_set_at) return undefined
        await updateUser(trx, locked.id, { pin_reminded_at: now })
        let destination: string
        try {
          destination = deliverableDestination(delivery, locked)
        } catch (err) {
          if (err instanceof NoDestination || err instanceof TransportNotConfigured) return undefined
          throw err
        }
        const expires = new Date(pinExpiresAt(locked, policies) ?? now).toISOString().slice(0, 10)
        await withdrawQueued(trx, locked, 'superseded by a newer reminder', 'pin-expiry')
        await queueMessage(services, trx, locked, destination, { ...fillTemplate(pinExpiryTemplate, { user: locked.name, expires, change }), kind: 'pin-expiry' })
        return destination
      })
      if (sent === undefined) continue
      reminded++
      services.log.info({ user: user.name, event: 'pinExpiryReminder' }, messages.pinExpiryReminder(user.name))
      services.log.info({ user: user.name, event: 'messageQueued', destination: sent }, messages.messageQueued(user.name, sent))
    }
    if (reminded > 0) services.onMessageQueued?.()
  }
}
