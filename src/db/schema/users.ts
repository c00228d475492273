import type { Generated, Selectable } from 'kysely'

export interface UsersTable {
  id: Generated<number>
  name: string
  /** What names are matched on: NFC, lower case (`Alice` is `alice`); null for a pre-005 duplicate. */
  name_key: string | null
  /** The PIN, AES-GCM sealed with the key file's key; null when the user has none. */
  pin: Buffer | null
  email: string | null
  phone: string | null
  transport: string
  /** 1 when the user may use the mobile client. */
  mobile: number
  failed_logins: Generated<number>
  locked_at: number | null
  created_at: number
}

export type User = Selectable<UsersTable>
