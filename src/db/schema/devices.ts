import type { Generated, Selectable } from 'kysely'

/** The one mobile device bound to a user (unique `user_id`); `id_hash` is the hash of its provision id. */
export interface DevicesTable {
  id: Generated<number>
  user_id: number
  id_hash: Buffer
  device_os: string | null
  push_id: string | null
  created_at: number
}

export type Device = Selectable<DevicesTable>
