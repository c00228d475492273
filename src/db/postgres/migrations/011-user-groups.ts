import { type Kysely, sql } from 'kysely'

// Shipped: never edit. SQLite's 011 in PostgreSQL's types: a directory user's groups.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN directory_groups text`.execute(db)
}
