import { type Kysely, sql } from 'kysely'

// Shipped: never edit. RADIUS two-stage logins: the challenges sent after a right directory
// password, each taken once by whichever node the one-time code reaches (only a keyed hash of the
// State's nonce is kept), until it expires; and the replies to RADIUS requests for 30 s, read on
// PostgreSQL only, where several nodes share the database.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE radius_challenges (
    nonce_hash BLOB NOT NULL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    nas_id INTEGER NOT NULL REFERENCES nas_clients(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
  )`.execute(db)
  await sql`CREATE INDEX radius_challenges_expiry ON radius_challenges (expires_at)`.execute(db)
  // replies to RADIUS requests, so that a retransmission that reaches another node gets the same one
  await sql`CREATE TABLE radius_replies (
    request_hash BLOB NOT NULL PRIMARY KEY,
    reply BLOB,
    expires_at INTEGER NOT NULL
  )`.execute(db)
  await sql`CREATE INDEX radius_replies_expiry ON radius_replies (expires_at)`.execute(db)
}
