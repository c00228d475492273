import type { Logger } from 'pino'
import type { Db } from '../db/index.js'
import type { Keys } from '../secrets.js'

/** What the rules need from the outside world, injected (tests pass a fixed clock and key). */
export interface Services {
  readonly db: Db
  readonly keys: Keys
  readonly log: Logger
  readonly now: () => number
  /** Called after a message is queued, so a running worker can deliver it at once. */
  readonly onMessageQueued?: () => void
}

/** The same services, logging with the fields of one request (source address, agent). */
export function withLog(services: Services, log: Logger): Services {
  return { ...services, log }
}
