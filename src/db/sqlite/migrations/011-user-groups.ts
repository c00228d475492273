import { type Kysely, sql } from 'kysely'

// Shipped: never edit. A directory user's groups (a JSON array of their names), read at each
// sync: what a RADIUS Access-Accept tells a NAS whose --groups keyword they contain.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN directory_groups TEXT`.execute(db)
}
