import type { Insertable } from 'kysely'
import type { Db } from '../index.js'
import { rawQuery } from '../raw.js'
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

/** The device a provision id names, with its user's name (every SecurityStrings download). */
export async function findDeviceByIdHash(db: Db, idHash: Buffer): Promise<DeviceOwner | undefined> {
  const [device] = await rawQuery<DeviceOwner>(
    db,
    'SELECT devices.*, users.name AS user_name FROM devices JOIN users ON users.id = devices.user_id WHERE devices.id_hash = ?',
    [idHash],
  )
  return device
}

export async function findDeviceByUser(db: Db, userId: number): Promise<Device | undefined> {
  return db.selectFrom('devices').selectAll().where('user_id', '=', userId).executeTakeFirst()
}
