/**
 * Failed sign-ins by source address, in memory: after `limit` failures within `windowMs` an
 * address is refused without a password check (the per-account lockout is the durable rule;
 * this stops one address cycling through names and spending the server's CPU on scrypt).
 */
export interface Throttle {
  blocked(key: string): boolean
  failed(key: string): void
  succeeded(key: string): void
}

const maxTracked = 10_000

export function createThrottle(now: () => number, limit = 20, windowMs = 15 * 60_000): Throttle {
  const failures = new Map<string, { count: number; since: number }>()
  const current = (key: string) => {
    const entry = failures.get(key)
    if (entry && now() - entry.since >= windowMs) failures.delete(key)
    return failures.get(key)
  }
  return {
    blocked: (key) => (current(key)?.count ?? 0) >= limit,
    failed(key) {
      const entry = current(key)
      if (entry) entry.count += 1
      else {
        // bounded: the oldest address is forgotten first
        if (failures.size >= maxTracked) failures.delete(failures.keys().next().value ?? '')
        failures.set(key, { count: 1, since: now() })
      }
    },
    succeeded: (key) => void failures.delete(key),
  }
}
