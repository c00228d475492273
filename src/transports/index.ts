import type { Config } from '../config.js'
import { outboxTransport } from './outbox.js'
import type { Transport } from './transport.js'
import type { Transports } from './worker.js'

/** The transports this configuration can deliver with, by name. */
export function createTransports(config: Config): Transports {
  const transports = new Map<string, Transport>([['outbox', outboxTransport(config.outboxFile)]])
  return transports
}
