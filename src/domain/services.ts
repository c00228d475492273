import type { Logger } from 'pino'
import type { Db, Settings, Store } from '../db/index.js'
import type { Metrics } from '../metrics.js'
import type { Keys } from '../secrets.js'
import type { MessageTemplate } from './provision-message.js'

/** How messages reach users from this process now: the shared settings under its own flags (delivery.ts). */
export interface DeliverySettings {
  readonly template: MessageTemplate
  /** The wording of the message that sends a user their PIN (pin-message.ts). */
  readonly pinTemplate?: MessageTemplate
  /** Where users reach the self-service pages, for links in messages (an origin, no path). */
  readonly pages?: string
  /** What a message names as the server: the site id, else the address clients reach. */
  readonly site: string
  /** The site id clients look up (docs/protocol.md §10), when one is set. */
  readonly siteId?: string
  /** The address users and mobile clients reach (`public-url`), when one is set. */
  readonly publicUrl?: URL
  /**
   * The transports configured (shared settings or this process's flags), so that a code is not
   * created for a user whose transport nobody can send with; unset in tests that send nothing.
   */
  readonly transports?: ReadonlySet<string>
}

/** What the rules need from the outside world, injected (tests pass a fixed clock and key). */
export interface Services {
  /** The query builder, for everything but the hot paths (its SQL runs on both engines). */
  readonly db: Db
  /** The hot-path units, the settings, and what else differs between the engines. */
  readonly store: Store
  readonly keys: Keys
  readonly log: Logger
  readonly now: () => number
  /** Called after a message is queued, so a running worker can deliver it at once. */
  readonly onMessageQueued?: () => void
  /**
   * The delivery settings in force with these stored settings (readDelivery reads them at each
   * message). Default: the built-in template, and the site "this server".
   */
  readonly delivery?: (settings: Settings, keys: Keys) => DeliverySettings
  /** Writes the audit records still waiting (they are written once per event-loop turn). */
  readonly flushAudit?: () => Promise<void>
  /** This node's name, written into every audit row (`--node-name`, default the host name). */
  readonly node?: string
  /** What the server counts for Prometheus; commands count nothing. */
  readonly metrics?: Metrics
}

/** The same services, logging with the fields of one request (source address, agent). */
export function withLog(services: Services, log: Logger): Services {
  return { ...services, log }
}
