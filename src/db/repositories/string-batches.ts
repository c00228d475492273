import { sql } from 'kysely'
import type { Db } from '../index.js'
import type { StringBatch } from '../schema/index.js'
import type { SyncDb } from '../sync.js'

/**
 * Make `strings` the device's one batch: the previous strings are overwritten and their burnt
 * indexes forgotten, so nothing of the old batch works any more. The row is updated in place
 * (a device keeps its batch id): one page written, where a delete and an insert write several.
 * Call inside a write batch.
 */
export function replaceBatch(sql: SyncDb, deviceId: number, strings: Buffer, now: number): number {
  const updated = sql.get<{ id: number }>('UPDATE string_batches SET strings = ?, created_at = ? WHERE device_id = ? RETURNING id', [
    strings,
    now,
    deviceId,
  ])
  if (updated) {
    sql.run('DELETE FROM used_strings WHERE batch_id = ?', [updated.id])
    return updated.id
  }
  const inserted = sql.get<{ id: number }>('INSERT INTO string_batches (device_id, strings, created_at) VALUES (?, ?, ?) RETURNING id', [
    deviceId,
    strings,
    now,
  ])
  if (!inserted) throw new Error('inserting a batch returned no row')
  return inserted.id
}

export async function findBatchByDevice(db: Db, deviceId: number): Promise<StringBatch | undefined> {
  return db.selectFrom('string_batches').selectAll().where('device_id', '=', deviceId).executeTakeFirst()
}

/**
 * Burn an index of a batch; true only for the one caller that burnt it first, false as well when
 * no batch has `batchId` (the statement is the same either way, see domain/login.ts).
 */
export function burnString(sql: SyncDb, batchId: number, idx: number, now: number): boolean {
  const burnt = sql.all('INSERT OR IGNORE INTO used_strings (batch_id, idx, used_at) SELECT id, ?, ? FROM string_batches WHERE id = ? RETURNING idx', [
    idx,
    now,
    batchId,
  ])
  return burnt.length > 0
}

export async function highestUsedIndex(db: Db, batchId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('used_strings')
    .select(sql<number | null>`max(idx)`.as('highest'))
    .where('batch_id', '=', batchId)
    .executeTakeFirst()
  return row?.highest ?? undefined
}
