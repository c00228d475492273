import type { Generated, Selectable } from 'kysely'

/** Administrators of the web console (`agentxml admin add`). */
export interface AdminsTable {
  id: Generated<number>
  name: string
  /** `scrypt$N$r$p$salt$hash`, never the password. */
  password_hash: string
  /** Failed sign-ins since the last success or lockout. */
  failed_signins: Generated<number>
  /** Sign-in is refused until this time (ms) after too many failures. */
  locked_until: number | null
  created_at: number
}

export type Admin = Selectable<AdminsTable>
