import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import { hitRateLimit } from '../db/repositories/rate-limits.js'
import type { Services } from '../domain/services.js'

/**
 * A store for @fastify/rate-limit that counts in the database (the rate_limits table, one
 * upsert per hit): every node counts in the same row and a restart forgets nothing. `prefix`
 * keeps the counters of one limit apart from the others'.
 */
export function databaseStore(services: Pick<Services, 'db' | 'now'>, prefix: string): FastifyRateLimitStoreCtor {
  const store: FastifyRateLimitStore = {
    incr(key, callback, timeWindow) {
      const now = services.now()
      hitRateLimit(services.db, `${prefix}:${key}`, timeWindow, now).then(
        ({ hits, resetAt }) => callback(null, { current: hits, ttl: Math.max(0, resetAt - now) }),
        (err: Error) => callback(err),
      )
    },
    child: () => store,
  }
  return class {
    constructor() {
      return store
    }
  } as unknown as FastifyRateLimitStoreCtor
}
