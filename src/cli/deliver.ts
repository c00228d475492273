import type { Config } from '../config.js'
import type { Services } from '../domain/services.js'
import { closeTransports, createTransports } from '../transports/index.js'
import { deliverDue, type DeliveryReport } from '../transports/worker.js'

/**
 * A command delivers the message it just queued itself, claiming it like the server does.
 * Only with the transports it has: the rest stays queued for the server.
 */
export async function deliverNow(services: Services, config: Config, id: number): Promise<DeliveryReport> {
  const transports = createTransports(config)
  try {
    return await deliverDue(services, transports, { id, onlyConfigured: true, retryDelays: config.retryDelays })
  } finally {
    closeTransports(transports)
  }
}
