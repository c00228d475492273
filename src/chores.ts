import { purgeRadius } from './db/repositories/radius-challenges.js'
import { purgeRateLimits } from './db/repositories/rate-limits.js'
import { remindExpiringPins } from './domain/pin-expiry.js'
import type { Services } from './domain/services.js'

export const rateLimitPurgeEveryMs = 10 * 60_000
/** How often the PINs about to expire are looked for (domain/pin-expiry.ts). */
export const pinReminderEveryMs = 60 * 60_000

export interface Chores {
  stop(): void
}

/**
 * The server's housekeeping besides the audit retention (audit-log.ts): rate-limit windows that
 * have ended and RADIUS challenges that expired are forgotten, and users whose PIN is about to expire are reminded. With several nodes, one node at a time does it (store.exclusively).
 */
export function startChores(services: Services): Chores {
  const purge = () =>
    void services.store
      .exclusively('rate-limit-purge', async () => {
        await purgeRateLimits(services.db, services.now())
        // RADIUS two-stage challenges nobody came back for, replies kept for retransmissions
        await purgeRadius(services.db, services.now())
      })
      .catch((err: unknown) => services.log.error({ err }, 'rate-limit purge failed'))
  const timer = setInterval(purge, rateLimitPurgeEveryMs)
  timer.unref()
  const remind = () =>
    void services.store
      .exclusively('pin-expiry-reminders', async () => void (await remindExpiringPins(services)))
      .catch((err: unknown) => services.log.error({ err }, 'PIN expiry reminders failed'))
  const reminders = setInterval(remind, pinReminderEveryMs)
  reminders.unref()
  return {
    stop: () => {
      clearInterval(timer)
      clearInterval(reminders)
    },
  }
}
