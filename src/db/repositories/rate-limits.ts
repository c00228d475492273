import type { Db } from '../index.js'

export interface Hit {
  /** Hits in the current window, this one included. */
  readonly hits: number
  /** When the window ends (ms). */
  readonly resetAt: number
}

/**
 * Count one hit on `key` and return the count, in one statement: every node counts in the same
 * row, and two hits at once both count (the upsert takes the row's lock). A window that has
 * ended starts again at 1.
 */
export async function hitRateLimit(db: Db, key: string, windowMs: number, now: number): Promise<Hit> {
  const row = await db
    .insertInto('rate_limits')
    .values({ key, hits: 1, reset_at: now + windowMs })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        hits: eb.case().when('rate_limits.reset_at', '<=', now).then(1).else(eb('rate_limits.hits', '+', 1)).end(),
        reset_at: eb.case().when('rate_limits.reset_at', '<=', now).then(eb.ref('excluded.reset_at')).else(eb.ref('rate_limits.reset_at')).end(),
      })),
    )
    .returning(['hits', 'reset_at'])
    .executeTakeFirstOrThrow()
  return { hits: row.hits, resetAt: row.reset_at }
}

export async function clearRateLimit(db: Db, key: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('key', '=', key).execute()
}

/** Forget windows that ended before `now`; returns how many. */
export async function purgeRateLimits(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('rate_limits').where('reset_at', '<=', now).executeTakeFirst()
  return Number(result.numDeletedRows)
}
