import { type Kysely, sql } from 'kysely'

// Shipped: never edit. RADIUS two-stage logins: the challenges sent after a right directory
// password, each taken once by whichever node the one-time code reaches (only a keyed hash of the
// State's nonce is kept), until it expires.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE radius_challenges (
    nonce_hash BLOB NOT NULL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    nas_id INTEGER NOT NULL REFERENCES nas_clients(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
  )`.execute(db)
  await sql`CREATE INDEX radius_challenges_expiry ON radius_challenges (expires_at)`.execute(db)
}
