import { type Kysely, sql } from 'kysely'

/**
 * The PIN lifecycle: when a user's PIN was set (expiry, and what `user show` says), keyed hashes
 * of their last PINs (never the PINs), the expiry reminder sent, self-service reset codes (only
 * their keyed hash), and a kind for each queued message, so that a newer provision code
 * withdraws older codes' messages and not a PIN's.
 * PINs stored before this count as set at the upgrade: an expiry policy starts from then.
 * Shipped: never edit. Change the schema with a new numbered migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const now = Date.now()
  const statements = [
    sql`ALTER TABLE users ADD COLUMN pin_set_at INTEGER`,
    sql`ALTER TABLE users ADD COLUMN pin_history BLOB`,
    sql`ALTER TABLE users ADD COLUMN pin_reminded_at INTEGER`,
    sql`UPDATE users SET pin_set_at = ${now} WHERE pin IS NOT NULL`,
    sql`ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'provision'`,
    sql`CREATE TABLE pin_reset_codes (
      user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      code_hash BLOB NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    ) STRICT`,
  ]
  for (const statement of statements) await statement.execute(db)
}
