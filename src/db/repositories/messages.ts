import type { Insertable } from 'kysely'
import type { Db } from '../index.js'
import type { Message, MessageStatus } from '../schema/index.js'
import type { MessagesTable } from '../schema/messages.js'

export async function insertMessage(db: Db, message: Insertable<MessagesTable>): Promise<number> {
  const row = await db.insertInto('messages').values(message).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export interface ClaimFilter {
  /** Only this message. */
  readonly id?: number | undefined
  /** Only messages for these transports (a command leaves the others to the server). */
  readonly transports?: readonly string[] | undefined
}

/**
 * Claim one due message in a single statement: queued and due, or left `sending` by a process
 * whose lease ran out. Two processes can never hold the same message.
 */
export async function claimMessage(db: Db, now: number, leaseUntil: number, filter: ClaimFilter = {}): Promise<Message | undefined> {
  const { id, transports } = filter
  if (transports?.length === 0) return undefined
  return db
    .updateTable('messages')
    .set((eb) => ({ status: 'sending', claimed_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', (eb) => {
      let due = eb
        .selectFrom('messages')
        .select('id')
        .where((w) =>
          w.or([
            w.and([w('status', '=', 'queued'), w('next_attempt_at', '<=', now)]),
            w.and([w('status', '=', 'sending'), w('claimed_until', '<', now)]),
          ]),
        )
      if (id !== undefined) due = due.where('id', '=', id)
      if (transports !== undefined) due = due.where('transport', 'in', transports)
      return due.orderBy('next_attempt_at').orderBy('id').limit(1)
    })
    .returningAll()
    .executeTakeFirst()
}

export async function markSent(db: Db, id: number, now: number): Promise<void> {
  // the body holds the provision code: it is not kept once delivered
  await db
    .updateTable('messages')
    .set({ status: 'sent', sent_at: now, body: null, claimed_until: null, last_error: null })
    .where('id', '=', id)
    .execute()
}

export async function markRetry(db: Db, id: number, nextAttemptAt: number, reason: string): Promise<void> {
  await db
    .updateTable('messages')
    .set({ status: 'queued', next_attempt_at: nextAttemptAt, claimed_until: null, last_error: reason })
    .where('id', '=', id)
    .execute()
}

/** Give up on a message; `dropBody` when it can never be worth retrying (its code is dead). */
export async function markFailed(db: Db, id: number, reason: string, dropBody = false): Promise<void> {
  await db
    .updateTable('messages')
    .set({ status: 'failed', claimed_until: null, last_error: reason, ...(dropBody ? { body: null } : {}) })
    .where('id', '=', id)
    .execute()
}

/** Fail a user's still-queued messages (their code was replaced); returns how many. */
export async function supersedeMessages(db: Db, userName: string, reason: string): Promise<number> {
  const result = await db
    .updateTable('messages')
    .set({ status: 'failed', body: null, claimed_until: null, last_error: reason })
    .where('user_name', '=', userName)
    .where('status', '=', 'queued')
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/**
 * Make a queued or failed message due now, in one statement; a failed one starts its tries
 * afresh. Nothing happens to a message being sent, already sent, or without a body.
 */
export async function requeueMessage(db: Db, id: number, now: number): Promise<Message | undefined> {
  return db
    .updateTable('messages')
    .set((eb) => ({
      status: 'queued',
      next_attempt_at: now,
      claimed_until: null,
      attempts: eb.case().when('status', '=', 'failed').then(0).else(eb.ref('attempts')).end(),
    }))
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'failed'])
    .where('body', 'is not', null)
    .returningAll()
    .executeTakeFirst()
}

export async function findMessage(db: Db, id: number): Promise<Message | undefined> {
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function listMessages(db: Db, options: { status?: MessageStatus; limit?: number } = {}): Promise<Message[]> {
  let query = db.selectFrom('messages').selectAll().orderBy('id', 'desc').limit(options.limit ?? 100)
  if (options.status !== undefined) query = query.where('status', '=', options.status)
  return query.execute()
}

export async function nextDueTime(db: Db): Promise<number | undefined> {
  const row = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.min('next_attempt_at').as('due'))
    .where('status', '=', 'queued')
    .executeTakeFirst()
  return row?.due ?? undefined
}
