import { type Kysely, sql } from 'kysely'

/**
 * SQLite's 010 in PostgreSQL's types: the challenges of RADIUS two-stage logins, each taken once,
 * and the replies to RADIUS requests, so that a retransmission reaching another node gets the same.
 * Shipped: never edit. Change the schema with a new numbered migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE radius_challenges (
    nonce_hash bytea PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    nas_id bigint NOT NULL REFERENCES nas_clients(id) ON DELETE CASCADE,
    expires_at bigint NOT NULL
  )`.execute(db)
  await sql`CREATE INDEX radius_challenges_expiry ON radius_challenges (expires_at)`.execute(db)
  // replies to RADIUS requests, so that a retransmission that reaches another node gets the same one
  await sql`CREATE TABLE radius_replies (
    request_hash bytea PRIMARY KEY,
    reply bytea,
    expires_at bigint NOT NULL
  )`.execute(db)
  await sql`CREATE INDEX radius_replies_expiry ON radius_replies (expires_at)`.execute(db)
}
