import { sql } from 'kysely'
import type { Db } from '../index.js'
import type { User } from '../schema/index.js'

/** A user with what a login needs of their device: its current batch and how much of it is used. */
export interface LoginAccount {
  readonly user: User
  readonly deviceId: number | null
  readonly batchId: number | null
  readonly strings: Buffer | null
  readonly used: number
}

type Row = User & { device_id: number | null; batch_id: number | null; batch_strings: Buffer | null; used: number }

/**
 * Everything a login looks at, in one statement: the user, the device, the current batch and
 * the count of its burnt strings. A login is on the path of every VPN and portal sign-in, so
 * this is plain SQL: the query builder costs several times what SQLite does here.
 */
export async function findLoginAccount(db: Db, name: string): Promise<LoginAccount | undefined> {
  const { rows } = await sql<Row>`
    SELECT users.*, devices.id AS device_id, string_batches.id AS batch_id, string_batches.strings AS batch_strings,
      (SELECT count(*) FROM used_strings WHERE used_strings.batch_id = string_batches.id) AS used
    FROM users
    LEFT JOIN devices ON devices.user_id = users.id
    LEFT JOIN string_batches ON string_batches.device_id = devices.id
    WHERE users.name = ${name}`.execute(db)
  const row = rows[0]
  if (!row) return undefined
  const { device_id, batch_id, batch_strings, used, ...user } = row
  return { user, deviceId: device_id, batchId: batch_id, strings: batch_strings, used: Number(used) }
}
