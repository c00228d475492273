import type { Selectable } from 'kysely'

/** At most one pending self-service PIN reset code a user (the primary key); only its keyed hash is kept. */
export interface PinResetCodesTable {
  user_id: number
  code_hash: Buffer
  created_at: number
  expires_at: number
}

export type PinResetCode = Selectable<PinResetCodesTable>
