import type { Db } from '../index.js'
import type { Device } from '../schema/index.js'

export async function findDeviceByUser(db: Db, userId: number): Promise<Device | undefined> {
  return db.selectFrom('devices').selectAll().where('user_id', '=', userId).executeTakeFirst()
}
