import type { Insertable } from 'kysely'
import type { Db } from '../index.js'
import type { Message } from '../schema/index.js'
import type { MessagesTable } from '../schema/messages.js'

export async function insertMessage(db: Db, message: Insertable<MessagesTable>): Promise<number> {
  const row = await db.insertInto('messages').values(message).returning('id').executeTakeFirstOrThrow()
  return row.id
}

/**
 * Claim one due message in a single statement: queued and due, or left `sending` by a process
 * whose lease ran out. Two processes can never hold the same message.
 */
export async function claimMessage(db: Db, now: number, leaseUntil: number, id?: number): Promise<Message | undefined> {
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

export async function markFailed(db: Db, id: number, reason: string): Promise<void> {
  await db
    .updateTable('messages')
    .set({ status: 'failed', claimed_until: null, last_error: reason })
    .where('id', '=', id)
    .execute()
}

export async function findMessage(db: Db, id: number): Promise<Message | undefined> {
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function listMessages(db: Db, limit = 100): Promise<Message[]> {
  return db.selectFrom('messages').selectAll().orderBy('id', 'desc').limit(limit).execute()
}

export async function nextDueTime(db: Db): Promise<number | undefined> {
  const row = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.min('next_attempt_at').as('due'))
    .where('status', '=', 'queued')
    .executeTakeFirst()
  return row?.due ?? undefined
}
