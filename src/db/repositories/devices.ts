import type { Insertable } from 'kysely'
import type { Db } from '../index.js'
import type { Device } from '../schema/index.js'
import type { DevicesTable } from '../schema/devices.js'

export type DeviceOwner = Device & { user_name: string }

/**
 * Bind a new device to the user: the old device row goes, and with it (by cascade) its batch
 * and burnt indexes, so nothing of the old device works any more.
 */
export async function replaceDevice(db: Db, device: Insertable<DevicesTable>): Promise<number> {
  await db.deleteFrom('devices').where('user_id', '=', device.user_id).execute()
  const row = await db.insertInto('devices').values(device).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function findDeviceByIdHash(db: Db, idHash: Buffer): Promise<DeviceOwner | undefined> {
  return db
    .selectFrom('devices')
    .innerJoin('users', 'users.id', 'devices.user_id')
    .selectAll('devices')
    .select('users.name as user_name')
    .where('devices.id_hash', '=', idHash)
    .executeTakeFirst()
}

export async function findDeviceByUser(db: Db, userId: number): Promise<Device | undefined> {
  return db.selectFrom('devices').selectAll().where('user_id', '=', userId).executeTakeFirst()
}
