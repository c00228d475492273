import { type Kysely, sql } from 'kysely'

// Shipped: never edit. A repository may use ldap:// without StartTLS, which sends its bind
// password and the passwords checked at login in clear, only when it says so. Repositories made
// before this say nothing: they are refused until they get TLS or the flag.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE repositories ADD COLUMN allow_plain_ldap INTEGER NOT NULL DEFAULT 0`.execute(db)
}
