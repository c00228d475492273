import type { Config } from '../config.js'
import type { Store } from '../db/index.js'
import type { Keys } from '../secrets.js'
import { type DeliverySource, type EffectiveDelivery, effectiveDelivery, overridesOf } from './delivery-settings.js'
import { emailTransport } from './email.js'
import { outboxTransport } from './outbox.js'
import { smsTransport } from './sms.js'
import type { Transport } from './transport.js'
import type { TransportSource, Transports } from './worker.js'

/** The transports these settings can deliver with, by name; the outbox always. */
export function transportsOf(effective: EffectiveDelivery, outboxFile: string): Transports {
  const transports = new Map<string, Transport>([['outbox', outboxTransport(outboxFile)]])
  if (effective.email) transports.set('email', emailTransport(effective.email))
  if (effective.sms) transports.set('sms', smsTransport(effective.sms))
  return transports
}

/** The transports of this process's flags alone (config.ts has checked the settings). */
export function createTransports(config: Config): Transports {
  return transportsOf(effectiveDelivery(overridesOf(config), config), config.outboxFile)
}

export interface LiveTransports {
  /** The transports of the settings in force now, for one pass of the worker or one command. */
  readonly source: TransportSource
  /** The transports in use now, by name, with what they send to (for the start's log line). */
  current(): Promise<Transports>
  close(): void
}

/**
 * The transports of the shared settings under this process's flags, made again when what they
 * send with changes (the old ones closed): a node applies an SMTP change at its next message.
 */
export function liveTransports(services: { readonly store: Store; readonly keys: Keys }, delivery: DeliverySource, outboxFile: string): LiveTransports {
  let made: { fingerprint: string; transports: Transports } | undefined
  const current = async () => {
    const effective = delivery.resolve(await services.store.settings(), services.keys)
    const fingerprint = JSON.stringify([effective.email, effective.sms])
    if (made?.fingerprint !== fingerprint) {
      if (made) closeTransports(made.transports)
      made = { fingerprint, transports: transportsOf(effective, outboxFile) }
    }
    return { transports: made.transports, retryDelays: effective.retryDelays }
  }
  return {
    source: current,
    current: async () => (await current()).transports,
    close: () => {
      if (made) closeTransports(made.transports)
      made = undefined
    },
  }
}

/** Let go of open connections (command end, server stop). */
export function closeTransports(transports: Transports): void {
  for (const transport of transports.values()) transport.close?.()
}
