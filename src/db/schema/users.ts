import type { ColumnType, Generated, Selectable } from 'kysely'

export interface UsersTable {
  id: Generated<number>
  name: string
  /** What names are matched on: NFC, lower case (`Alice` is `alice`); null for a pre-005 duplicate. */
  name_key: ColumnType<string | null, string, string>
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
  /** The repository the user is synchronised from; null: a local user, added by hand or imported. */
  repository_id: Generated<number | null>
  /** The user's entry in that directory (bound as to check their password). */
  directory_dn: Generated<string | null>
  /** 1 when the directory says the account is disabled (Active Directory's ACCOUNTDISABLE). */
  directory_disabled: Generated<number>
  /** When the user's entry disappeared from the directory; deleted after the grace period. */
  removed_at: Generated<number | null>
  /** When the PIN was last set (by anyone); null while there is none. Expiry counts from it. */
  pin_set_at: Generated<number | null>
  /** Keyed hashes of the user's previous PINs, newest first, 32 bytes each (domain/pin-history.ts); never the PINs. */
  pin_history: Generated<Buffer | null>
  /** The user's directory groups, a JSON array of names (a group DN's first value), sorted; null: none read. */
  directory_groups: Generated<string | null>
  /** The name's look-alike skeleton (domain/name-skeleton.ts); null until filled for a user of an earlier version. */
  name_skeleton: Generated<string | null>
  /** When the user was last reminded that their PIN expires; cleared when the PIN changes. */
  pin_reminded_at: Generated<number | null>
}

export type User = Selectable<UsersTable>
