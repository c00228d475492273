import type { Services } from '../../src/domain/services.js'

/**
 * Rows a test needs in place, written straight through the query builder (on either engine):
 * what provision and SecurityStrings would leave behind, without going through them.
 */
export async function insertDevice(services: Services, userId: number, idHash: Buffer, deviceOs: string | null = null): Promise<number> {
  await services.db.deleteFrom('devices').where('user_id', '=', userId).execute()
  const row = await services.db
    .insertInto('devices')
    .values({ user_id: userId, id_hash: idHash, device_os: deviceOs, push_id: null, created_at: services.now() })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

/** `sealed` becomes the device's batch, its burns forgotten. */
export async function insertBatch(services: Services, deviceId: number, sealed: Buffer): Promise<number> {
  await services.db.deleteFrom('string_batches').where('device_id', '=', deviceId).execute()
  const row = await services.db
    .insertInto('string_batches')
    .values({ device_id: deviceId, strings: sealed, created_at: services.now() })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export async function insertBurn(services: Services, batchId: number, index: number): Promise<void> {
  await services.db.insertInto('used_strings').values({ batch_id: batchId, idx: index, used_at: services.now() }).execute()
}
