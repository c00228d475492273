import { findMessage, listMessages, requeueMessage } from '../db/repositories/messages.js'
import type { Message, MessageStatus } from '../db/schema/index.js'
import { DomainError, InvalidInput } from '../domain/errors.js'
import type { Services } from '../domain/services.js'

export const messageStatuses: readonly MessageStatus[] = ['queued', 'sending', 'sent', 'failed']

/** A queued message as administrators see it: everything but the body (it holds the code). */
export interface MessageView {
  readonly id: number
  readonly user: string
  readonly transport: string
  readonly destination: string
  readonly status: MessageStatus
  readonly attempts: number
  readonly nextAttemptAt: number | undefined
  readonly sentAt: number | undefined
  readonly lastError: string | undefined
  readonly createdAt: number
}

const view = (message: Message): MessageView => ({
  id: message.id,
  user: message.user_name,
  transport: message.transport,
  destination: message.destination,
  status: message.status,
  attempts: message.attempts,
  nextAttemptAt: message.status === 'queued' ? message.next_attempt_at : undefined,
  sentAt: message.sent_at ?? undefined,
  lastError: message.last_error ?? undefined,
  createdAt: message.created_at,
})

export async function queueList(services: Services, options: { status?: string | undefined; limit?: number | undefined } = {}): Promise<MessageView[]> {
  const { status } = options
  if (status !== undefined && !(messageStatuses as readonly string[]).includes(status)) {
    throw new InvalidInput(`status must be one of ${messageStatuses.join(', ')}, not "${status}"`)
  }
  const rows = await listMessages(services.db, { ...(status ? { status: status as MessageStatus } : {}), limit: options.limit ?? 100 })
  return rows.map(view)
}

/**
 * Make a queued or failed message due now (a failed one gets a fresh round of tries). A message
 * being sent, already sent, withdrawn, or whose code has expired cannot be retried.
 */
export async function retryMessage(services: Services, id: number): Promise<MessageView> {
  const { db, log } = services
  const now = services.now()
  const message = await findMessage(db, id)
  if (!message) throw new DomainError(`message ${id} not found`)
  if (message.expires_at !== null && message.expires_at <= now) {
    throw new DomainError(`message ${id} holds a provision code that has expired; reprovision user "${message.user_name}" instead`)
  }
  const requeued = await requeueMessage(db, id, now)
  if (!requeued) throw new DomainError(`message ${id} cannot be retried: ${whyNot(message)}`)
  log.info({ user: message.user_name, messageId: id, event: 'messageRetryRequested' }, `Message ${id} to user: ${message.user_name} queued again by an administrator`)
  return view(requeued)
}

function whyNot(message: Message): string {
  if (message.status === 'sent') return 'it was sent'
  if (message.status === 'sending') return 'it is being sent right now'
  return `it was ${message.last_error ?? 'withdrawn'}`
}
