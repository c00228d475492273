import type { Logger } from 'pino'
import { type Config, ConfigError } from './config.js'
import { connectionError, databaseExists, openDatabase } from './db/index.js'
import { keyAdminHashes } from './domain/admin-hashes.js'
import { fillNameSkeletons } from './domain/look-alike-users.js'
import type { Services } from './domain/services.js'
import { deriveKeys, keyCheck, loadMasterKey } from './secrets.js'
import { createDeliverySource, type DeliverySource, storedValues } from './transports/delivery-settings.js'

export interface OpenOptions {
  /** Make the database (and, for SQLite, its key file) when there is none: `serve` and `init`. */
  readonly create?: boolean
  /** SQLite: WAL checkpoints in a worker thread (the server). */
  readonly backgroundCheckpoints?: boolean
}

/** What the message builders read: the shared settings under this process's flags (transports/delivery-settings.ts). */
export const deliveryOf =
  (source: DeliverySource): NonNullable<Services['delivery']> =>
  (settings, keys) =>
    source.resolve(settings, keys).delivery

/** Open what the server and every command share: the database and the keys. */
export async function openServices(config: Config, log: Logger, extra: Partial<Services> = {}, options: OpenOptions = {}): Promise<Services> {
  const create = options.create ?? false
  // a key is made only with a new SQLite database: one that exists was made with a key already
  const exists = databaseExists(config.db, create)
  const keys = deriveKeys(loadMasterKey({ fromEnv: config.secretKey, keyFile: config.keyFile, create: create && !exists && config.engine === 'sqlite' }))
  // a bad message template stops us before anything is opened
  const delivery = extra.delivery ?? deliveryOf(createDeliverySource(config, log))
  const { db, store } = await openDatabase(config.db, {
    create,
    keyCheck: keyCheck(keys),
    nodeName: config.nodeName,
    onWarning: (message) => log.warn(message),
    // one line a lost connection: its code and message, never the client's state (`code` is a
    // redacted field name: a provision code's)
    onError: (err) => {
      const { code, reason } = connectionError(err)
      log.warn({ errorCode: code, reason }, `database connection error: ${reason}${code ? ` (${code})` : ''}`)
    },
    backgroundCheckpoints: options.backgroundCheckpoints,
  })
  const services: Services = { db, store, keys, log, now: Date.now, node: config.nodeName, ...extra, delivery }
  if (config.smtpUrl !== undefined && config.smtpFrom === undefined && !storedValues(await store.settings(), keys).has('smtp-from')) {
    await store.close()
    throw new ConfigError('--smtp-url needs --smtp-from (the sender address), or the shared setting (agentxml settings set smtp-from ADDRESS)')
  }
  await keyAdminHashes(services)
  await fillNameSkeletons(services)
  return services
}
