import { type Kysely, sql } from 'kysely'

// Shipped: never edit. Each user's look-alike skeleton (domain/name-skeleton.ts), filled by the
// domain for the users already there (it needs Unicode's confusables), and what a new name is
// compared with.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN name_skeleton text`.execute(db)
  await sql`CREATE INDEX users_by_name_skeleton ON users (name_skeleton)`.execute(db)
}
