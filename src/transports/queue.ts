import type { Db } from '../db/index.js'
import { insertMessage } from '../db/repositories/messages.js'
import type { User } from '../db/schema/index.js'
import { NoDestination } from '../domain/errors.js'
import type { Services } from '../domain/services.js'
import { encrypt } from '../secrets.js'

export const transportNames = ['outbox', 'email', 'sms'] as const
export type TransportName = (typeof transportNames)[number]

export interface OutgoingMessage {
  readonly subject: string
  readonly body: string
}

/** Where the user's transport sends to; throws when the user has none (nothing is queued then). */
export function destinationOf(user: User): string {
  const destination =
    user.transport === 'email' ? user.email : user.transport === 'sms' ? user.phone : (user.email ?? user.phone ?? user.name)
  if (!destination) throw new NoDestination(user.name, user.transport)
  return destination
}

/** Queue a message in the caller's transaction; the body is sealed at rest. */
export async function queueMessage(
  services: Services,
  trx: Db,
  user: User,
  destination: string,
  message: OutgoingMessage,
): Promise<number> {
  const now = services.now()
  return insertMessage(trx, {
    user_name: user.name,
    transport: user.transport,
    destination,
    subject: message.subject,
    body: encrypt(services.keys, message.body, 'message'),
    status: 'queued',
    next_attempt_at: now,
    created_at: now,
  })
}
