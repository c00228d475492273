import { purgeRateLimits } from './db/repositories/rate-limits.js'
import type { Services } from './domain/services.js'

export const rateLimitPurgeEveryMs = 10 * 60_000

export interface Chores {
  stop(): void
}

/**
 * The server's housekeeping besides the audit retention (audit-log.ts): rate-limit windows that
 * have ended are forgotten. With several nodes, one node at a time does it (store.exclusively).
 */
export function startChores(services: Services): Chores {
  const purge = () =>
    void services.store
      .exclusively('rate-limit-purge', async () => {
        await purgeRateLimits(services.db, services.now())
      })
      .catch((err: unknown) => services.log.error({ err }, 'rate-limit purge failed'))
  const timer = setInterval(purge, rateLimitPurgeEveryMs)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
