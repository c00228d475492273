import { listRepositories } from '../db/repositories/repositories.js'
import { lastRealSync } from '../db/repositories/sync-runs.js'
import type { Repository } from '../db/schema/index.js'
import { syncRepository } from './directory-sync.js'
import { DomainError } from './errors.js'
import type { Services } from './services.js'

export interface SyncSchedule {
  /** Look for due repositories now (tests, and after a change in the console). */
  tick(): Promise<void>
  /** Finish the sync under way, start no other. */
  stop(): Promise<void>
}

/** After a failed sync, the next try comes sooner than the interval (the error is shown till then). */
const retryMs = 5 * 60_000

async function due(services: Services, repository: Repository): Promise<boolean> {
  if (repository.interval_minutes === 0) return false
  const last = await lastRealSync(services.db, repository.id)
  if (!last) return true
  const wait = repository.interval_minutes * 60_000
  return services.now() >= last.started_at + (last.status === 'failed' ? Math.min(wait, retryMs) : wait)
}

/**
 * The server's scheduled syncs: every `tickMs` the repositories whose interval has passed since
 * their last sync are synchronised, one after the other. A failure is logged by the sync itself
 * and tried again later; it never stops the schedule.
 */
export function startSyncSchedule(services: Services, options: { readonly tickMs?: number } = {}): SyncSchedule {
  let running: Promise<void> = Promise.resolve()
  let stopped = false
  const pass = async () => {
    for (const repository of await listRepositories(services.db)) {
      if (stopped) return
      if (!(await due(services, repository))) continue
      try {
        await syncRepository(services, repository.name, { trigger: 'schedule' })
      } catch (err) {
        // another process syncing it is no error; anything else is logged, and the schedule goes on
        if (!(err instanceof DomainError)) services.log.error({ err, repository: repository.name }, 'scheduled synchronisation failed')
      }
    }
  }
  const tick = () => (running = running.then(pass).catch((err: unknown) => services.log.error({ err }, 'scheduled synchronisation failed')))
  const timer = setInterval(() => void tick(), options.tickMs ?? 30_000)
  timer.unref()
  void tick()
  return {
    tick,
    async stop() {
      stopped = true
      clearInterval(timer)
      await running
    },
  }
}
