import { type Kysely, sql } from 'kysely'

// Shipped: never edit. SQLite's 008 in PostgreSQL's types: the flag a repository needs to use
// ldap:// without StartTLS.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE repositories ADD COLUMN allow_plain_ldap integer NOT NULL DEFAULT 0`.execute(db)
}
