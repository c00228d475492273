import type { Message } from '../../src/db/schema/index.js'
import type { Services } from '../../src/domain/services.js'
import { decrypt } from '../../src/secrets.js'

/** A queued message's body, opened as the delivery worker opens it; '' for none. */
export function openMessageBody(services: Services, message: Message | undefined): string {
  return message?.body ? decrypt(services.keys, message.body, 'message') : ''
}
