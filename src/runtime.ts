import type { Logger } from 'pino'
import type { Config } from './config.js'
import { openDatabase } from './db/index.js'
import type { Services } from './domain/services.js'
import { SettingsCache } from './domain/settings-cache.js'
import { deriveKeys, loadMasterKey } from './secrets.js'
import { loadDeliverySettings } from './transports/delivery-settings.js'

/** Open what the server and every command share: the database and the keys. */
export async function openServices(config: Config, log: Logger, extra: Partial<Services> = {}): Promise<Services> {
  const keys = deriveKeys(loadMasterKey(config.keyFile, config.secretKey))
  // a bad message template stops us before anything is opened
  const delivery = extra.delivery ?? loadDeliverySettings(config)
  const db = await openDatabase(config.dbFile)
  return { db, keys, log, now: Date.now, settings: new SettingsCache(), ...extra, delivery }
}
