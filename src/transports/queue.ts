import type { Db } from '../db/index.js'
import { insertMessage, supersedeMessages } from '../db/repositories/messages.js'
import type { MessageKind, User } from '../db/schema/index.js'
import { NoDestination, TransportNotConfigured } from '../domain/errors.js'
import type { DeliverySettings, Services } from '../domain/services.js'
import { encrypt } from '../secrets.js'

export const transportNames = ['outbox', 'email', 'sms'] as const
export type TransportName = (typeof transportNames)[number]

export interface OutgoingMessage {
  readonly subject: string
  readonly body: string
  /** When the content stops being worth sending (the code's expiry). */
  readonly expiresAt?: number
  /** What it carries (default: a provision code); a newer message of a kind withdraws the older. */
  readonly kind?: MessageKind
}

/** Where the user's transport sends to; throws when the user has none (nothing is queued then). */
export function destinationOf(user: User): string {
  const destination =
    user.transport === 'email' ? user.email : user.transport === 'sms' ? user.phone : (user.email ?? user.phone ?? user.name)
  if (!destination) throw new NoDestination(user.name, user.transport)
  return destination
}

/** The destination, when the transport is configured (domain/delivery.ts); throws the reason it could not be sent. */
export function deliverableDestination(delivery: DeliverySettings, user: User): string {
  const destination = destinationOf(user)
  const ready = delivery.transports
  if (ready && !ready.has(user.transport)) throw new TransportNotConfigured(user.name, user.transport)
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
    expires_at: message.expiresAt ?? null,
    kind: message.kind ?? 'provision',
  })
}

/**
 * Withdraw the user's messages still waiting in the queue: they carry a code that no longer
 * works (a newer one replaced it), and sent late they would arrive after the new one.
 */
export async function withdrawQueued(trx: Db, user: User, reason = 'superseded by a newer provision code', kind: MessageKind = 'provision'): Promise<number> {
  return supersedeMessages(trx, user.name, reason, kind)
}
