import { type Kysely, sql } from 'kysely'

// Shipped: never edit. A queued provision message is worthless once its code has expired.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE messages ADD COLUMN expires_at bigint`.execute(db)
  await sql`CREATE INDEX messages_user ON messages (user_name, status)`.execute(db)
}
