import { sql } from 'kysely'
import type { Db } from '../index.js'
import type { StringBatch } from '../schema/index.js'

export async function findBatchByDevice(db: Db, deviceId: number): Promise<StringBatch | undefined> {
  return db.selectFrom('string_batches').selectAll().where('device_id', '=', deviceId).executeTakeFirst()
}

export async function highestUsedIndex(db: Db, batchId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('used_strings')
    .select(sql<number | null>`max(idx)`.as('highest'))
    .where('batch_id', '=', batchId)
    .executeTakeFirst()
  return row?.highest ?? undefined
}
