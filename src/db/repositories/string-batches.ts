import { sql } from 'kysely'
import type { Db } from '../index.js'
import { rawQuery } from '../raw.js'
import type { StringBatch } from '../schema/index.js'

/**
 * Make `strings` the device's one batch: the previous strings are overwritten and their burnt
 * indexes forgotten, so nothing of the old batch works any more. The row is updated in place
 * (a device keeps its batch id): one page written, where a delete and an insert write several.
 * Call inside a transaction.
 */
export async function replaceBatch(db: Db, deviceId: number, strings: Buffer, now: number): Promise<number> {
  const [updated] = await rawQuery<{ id: number }>(
    db,
    'UPDATE string_batches SET strings = ?, created_at = ? WHERE device_id = ? RETURNING id',
    [strings, now, deviceId],
  )
  if (updated) {
    await rawQuery(db, 'DELETE FROM used_strings WHERE batch_id = ?', [updated.id])
    return updated.id
  }
  const [inserted] = await rawQuery<{ id: number }>(
    db,
    'INSERT INTO string_batches (device_id, strings, created_at) VALUES (?, ?, ?) RETURNING id',
    [deviceId, strings, now],
  )
  if (!inserted) throw new Error('inserting a batch returned no row')
  return inserted.id
}

export async function findBatchByDevice(db: Db, deviceId: number): Promise<StringBatch | undefined> {
  return db.selectFrom('string_batches').selectAll().where('device_id', '=', deviceId).executeTakeFirst()
}

/**
 * Burn an index of a batch; true only for the one caller that burnt it first, false as well when
 * no batch has `batchId` (the statement is the same either way, see domain/login.ts). Plain SQL:
 * it runs on every login, and the query builder costs several times what SQLite does here.
 */
export async function burnString(db: Db, batchId: number, idx: number, now: number): Promise<boolean> {
  const { rows } = await sql<{ idx: number }>`
    INSERT OR IGNORE INTO used_strings (batch_id, idx, used_at)
    SELECT id, ${idx}, ${now} FROM string_batches WHERE id = ${batchId}
    RETURNING idx`.execute(db)
  return rows.length > 0
}

export async function highestUsedIndex(db: Db, batchId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('used_strings')
    .select(sql<number | null>`max(idx)`.as('highest'))
    .where('batch_id', '=', batchId)
    .executeTakeFirst()
  return row?.highest ?? undefined
}
