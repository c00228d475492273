import type { Insertable } from 'kysely'
import type { Db } from '../index.js'
import type { Device } from '../schema/index.js'
import type { DevicesTable } from '../schema/devices.js'
import type { SyncDb } from '../sync.js'

export type DeviceOwner = Device & { user_name: string }

/**
 * Bind a new device to the user: the old device row goes, and with it (by cascade) its batch
 * and burnt indexes, so nothing of the old device works any more. Call inside a write batch.
 */
export function replaceDevice(sql: SyncDb, device: Insertable<DevicesTable>): number {
  sql.run('DELETE FROM devices WHERE user_id = ?', [device.user_id])
  const row = sql.get<{ id: number }>(
    'INSERT INTO devices (user_id, id_hash, device_os, push_id, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
    [device.user_id, device.id_hash, device.device_os ?? null, device.push_id ?? null, device.created_at],
  )
  if (!row) throw new Error('inserting a device returned no row')
  return row.id
}

/** The device a provision id names, with its user's name (every SecurityStrings download). */
export function findDeviceByIdHash(sql: SyncDb, idHash: Buffer): DeviceOwner | undefined {
  return sql.get<DeviceOwner>(
    'SELECT devices.*, users.name AS user_name FROM devices JOIN users ON users.id = devices.user_id WHERE devices.id_hash = ?',
    [idHash],
  )
}

export async function findDeviceByUser(db: Db, userId: number): Promise<Device | undefined> {
  return db.selectFrom('devices').selectAll().where('user_id', '=', userId).executeTakeFirst()
}
