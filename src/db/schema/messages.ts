import type { Generated, Selectable } from 'kysely'

export type MessageStatus = 'queued' | 'sending' | 'sent' | 'failed'
export type MessageKind = 'provision' | 'pin' | 'pin-reset' | 'pin-expiry'

/** The durable message queue; `body` is sealed (it holds a provision code) and cleared once sent. */
export interface MessagesTable {
  id: Generated<number>
  user_name: string
  transport: string
  destination: string
  subject: string
  body: Buffer | null
  status: MessageStatus
  attempts: Generated<number>
  next_attempt_at: number
  claimed_until: number | null
  last_error: string | null
  created_at: number
  sent_at: number | null
  /** When the content (a provision code) stops being worth sending; null: never. */
  expires_at: number | null
  /** What the message carries: a provision code, a user's PIN, a PIN reset code, a reminder. */
  kind: Generated<MessageKind>
}

export type Message = Selectable<MessagesTable>
