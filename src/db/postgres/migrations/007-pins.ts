import { type Kysely, sql } from 'kysely'

/**
 * SQLite's 007 in PostgreSQL's types: when a PIN was set, keyed hashes of the last PINs, the
 * expiry reminder sent, self-service reset codes (keyed hashes), and each message's kind.
 * Shipped: never edit. Change the schema with a new numbered migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const now = Date.now()
  const statements = [
    sql`ALTER TABLE users ADD COLUMN pin_set_at bigint`,
    sql`ALTER TABLE users ADD COLUMN pin_history bytea`,
    sql`ALTER TABLE users ADD COLUMN pin_reminded_at bigint`,
    sql`UPDATE users SET pin_set_at = ${now} WHERE pin IS NOT NULL`,
    sql`ALTER TABLE messages ADD COLUMN kind text NOT NULL DEFAULT 'provision'`,
    sql`CREATE TABLE pin_reset_codes (
      user_id bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      code_hash bytea NOT NULL,
      created_at bigint NOT NULL,
      expires_at bigint NOT NULL
    )`,
  ]
  for (const statement of statements) await statement.execute(db)
}
