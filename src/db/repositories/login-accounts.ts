import type { User } from '../schema/index.js'
import type { SyncDb } from '../sync.js'

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
 * the count of its burnt strings. Call inside a write batch.
 */
export function findLoginAccount(sql: SyncDb, name: string): LoginAccount | undefined {
  const row = sql.get<Row>(
    `SELECT users.*, devices.id AS device_id, string_batches.id AS batch_id, string_batches.strings AS batch_strings,
      (SELECT count(*) FROM used_strings WHERE used_strings.batch_id = string_batches.id) AS used
    FROM users
    LEFT JOIN devices ON devices.user_id = users.id
    LEFT JOIN string_batches ON string_batches.device_id = devices.id
    WHERE users.name = ?`,
    [name],
  )
  if (!row) return undefined
  const { device_id, batch_id, batch_strings, used, ...user } = row
  return { user, deviceId: device_id, batchId: batch_id, strings: batch_strings, used: Number(used) }
}
