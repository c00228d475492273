import type { Config } from '../config.js'
import type { Services } from '../domain/services.js'
import { createDeliverySource } from '../transports/delivery-settings.js'
import { liveTransports } from '../transports/index.js'
import { deliverDue, type DeliveryReport } from '../transports/worker.js'

/**
 * A command delivers the message it just queued itself, claiming it like the server does, with
 * the shared settings under its own flags. Only with the transports it has: the rest stays
 * queued for the server.
 */
export async function deliverNow(services: Services, config: Config, id: number): Promise<DeliveryReport> {
  const transports = liveTransports(services, createDeliverySource(config, services.log), config.outboxFile)
  try {
    return await deliverDue(services, transports.source, { id, onlyConfigured: true })
  } finally {
    transports.close()
  }
}
