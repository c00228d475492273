import { type Kysely, sql } from 'kysely'
import { fillNameKeys } from '../../name-keys.js'

// Shipped: never edit. SQLite's 005: the key's check value, the case-insensitive name key, the
// node of each audit row, shared rate-limit counters.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)`,
    sql`ALTER TABLE users ADD COLUMN name_key text`,
    sql`ALTER TABLE audit_log ADD COLUMN node text`,
    sql`CREATE TABLE rate_limits (key text PRIMARY KEY, hits integer NOT NULL, reset_at bigint NOT NULL)`,
    sql`CREATE INDEX rate_limits_reset ON rate_limits (reset_at)`,
    // the console's and `agentxml log`'s filters by actor and by address
    sql`CREATE INDEX audit_log_actor ON audit_log (actor, time)`,
    sql`CREATE INDEX audit_log_source ON audit_log (source, time)`,
  ]
  for (const statement of statements) await statement.execute(db)
  await fillNameKeys(db)
  await sql`CREATE UNIQUE INDEX users_by_name_key ON users (name_key)`.execute(db)
}
