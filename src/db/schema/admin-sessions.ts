import type { Generated, Selectable } from 'kysely'

/**
 * A signed-in console session. Only a keyed hash of the cookie's token is kept; the CSRF token
 * is derived from the token itself, so nothing here lets anyone act as the administrator.
 */
export interface AdminSessionsTable {
  id: Generated<number>
  token_hash: Buffer
  admin_id: number
  created_at: number
  /** Idle expiry counts from here. */
  last_seen_at: number
  /** Absolute expiry. */
  expires_at: number
}

export type AdminSession = Selectable<AdminSessionsTable>
