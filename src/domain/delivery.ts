import { defaultTemplate } from './provision-message.js'
import type { DeliverySettings, Services } from './services.js'

const builtIn: DeliverySettings = Object.freeze({ template: defaultTemplate, site: 'this server' })

/**
 * The delivery settings in force now, as every node sees them: read at each message as the
 * policies are (one read of the settings version), so a change made on any node or by a command
 * applies to the next message everywhere.
 */
export async function readDelivery(services: Pick<Services, 'store' | 'keys' | 'delivery'>): Promise<DeliverySettings> {
  if (!services.delivery) return builtIn
  return services.delivery(await services.store.settings(), services.keys)
}
