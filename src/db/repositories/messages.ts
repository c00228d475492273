import type { ExpressionBuilder, Insertable } from 'kysely'
import { engineOf } from '../engine.js'
import type { Database, Db } from '../index.js'
import type { Message, MessageKind, MessageStatus } from '../schema/index.js'
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

/** A message this process holds: its id and the attempt number its claim made (the lease's fence). */
export interface Claim {
  readonly id: number
  readonly attempts: number
}

/**
 * Claim one due message: queued and due, or left `sending` by a process whose lease ran out.
 * Two processes never hold the same message. SQLite: one statement under the one write lock.
 * PostgreSQL (READ COMMITTED would let two workers pick the same row): the candidate is locked
 * with SKIP LOCKED, so workers take different rows, and the state is checked again as the row
 * is updated.
 */
export async function claimMessage(db: Db, now: number, leaseUntil: number, filter: ClaimFilter = {}): Promise<Message | undefined> {
  const { id, transports } = filter
  if (transports?.length === 0) return undefined
  const postgres = engineOf(db) === 'postgres'
  return db
    .updateTable('messages')
    .set((eb) => ({ status: 'sending', claimed_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', (eb) => {
      let due = eb.selectFrom('messages').select('id').where((w) => isDue(w, now))
      if (id !== undefined) due = due.where('id', '=', id)
      if (transports !== undefined) due = due.where('transport', 'in', transports)
      due = due.orderBy('next_attempt_at').orderBy('id').limit(1)
      return postgres ? due.forUpdate().skipLocked() : due
    })
    .where((w) => isDue(w, now))
    .returningAll()
    .executeTakeFirst()
}

function isDue(w: ExpressionBuilder<Database, 'messages'>, now: number) {
  return w.or([
    w.and([w('status', '=', 'queued'), w('next_attempt_at', '<=', now)]),
    w.and([w('status', '=', 'sending'), w('claimed_until', '<', now)]),
  ])
}

/** Only while `claim` still holds the message: a worker whose lease ran out changes nothing. */
const held = (claim: Claim) => (w: ExpressionBuilder<Database, 'messages'>) =>
  w.and([w('id', '=', claim.id), w('status', '=', 'sending'), w('attempts', '=', claim.attempts)])

/** The message was delivered; false when the claim had already been lost to another worker. */
export async function markSent(db: Db, claim: Claim, now: number): Promise<boolean> {
  // the body holds the provision code: it is not kept once delivered
  const result = await db
    .updateTable('messages')
    .set({ status: 'sent', sent_at: now, body: null, claimed_until: null, last_error: null })
    .where(held(claim))
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

export async function markRetry(db: Db, claim: Claim, nextAttemptAt: number, reason: string): Promise<boolean> {
  const result = await db
    .updateTable('messages')
    .set({ status: 'queued', next_attempt_at: nextAttemptAt, claimed_until: null, last_error: reason })
    .where(held(claim))
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Give up on a message; `dropBody` when it can never be worth retrying (its code is dead). */
export async function markFailed(db: Db, claim: Claim, reason: string, dropBody = false): Promise<boolean> {
  const result = await db
    .updateTable('messages')
    .set({ status: 'failed', claimed_until: null, last_error: reason, ...(dropBody ? { body: null } : {}) })
    .where(held(claim))
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Fail a user's still-queued messages of one kind (their code or PIN was replaced); returns how many. */
export async function supersedeMessages(db: Db, userName: string, reason: string, kind: MessageKind = 'provision'): Promise<number> {
  const result = await db
    .updateTable('messages')
    .set({ status: 'failed', body: null, claimed_until: null, last_error: reason })
    .where('user_name', '=', userName)
    .where('status', '=', 'queued')
    .where('kind', '=', kind)
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

/**
 * How many messages wait, are being sent, or failed, by status (the metrics' queue depth). Sent
 * messages are history, kept without end: counting them would read every row ever queued, where
 * this reads the `messages_due` index's range for the other statuses only.
 */
export async function countUnsentMessages(db: Db): Promise<{ status: Exclude<MessageStatus, 'sent'>; count: number }[]> {
  const rows = await db
    .selectFrom('messages')
    .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
    .where('status', 'in', ['queued', 'sending', 'failed'])
    .groupBy('status')
    .execute()
  return rows.map((row) => ({ status: row.status as Exclude<MessageStatus, 'sent'>, count: Number(row.count) }))
}

export async function nextDueTime(db: Db): Promise<number | undefined> {
  const row = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.min('next_attempt_at').as('due'))
    .where('status', '=', 'queued')
    .executeTakeFirst()
  return row?.due ?? undefined
}
