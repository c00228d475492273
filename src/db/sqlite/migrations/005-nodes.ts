import { type Kysely, sql } from 'kysely'
import { fillNameKeys } from '../../name-keys.js'

// Shipped: never edit. What several nodes and a checked key need: the key's check value, a
// case-insensitive name key, the node that wrote each audit row, and rate-limit counters that
// every node (and a restart) shares.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT`,
    sql`ALTER TABLE users ADD COLUMN name_key TEXT`,
    sql`ALTER TABLE audit_log ADD COLUMN node TEXT`,
    sql`CREATE TABLE rate_limits (key TEXT PRIMARY KEY, hits INTEGER NOT NULL, reset_at INTEGER NOT NULL) STRICT`,
    sql`CREATE INDEX rate_limits_reset ON rate_limits (reset_at)`,
    // the console's and `agentxml log`'s filters by actor and by address
    sql`CREATE INDEX audit_log_actor ON audit_log (actor, time)`,
    sql`CREATE INDEX audit_log_source ON audit_log (source, time)`,
  ]
  for (const statement of statements) await statement.execute(db)
  await fillNameKeys(db)
  await sql`CREATE UNIQUE INDEX users_by_name_key ON users (name_key)`.execute(db)
}
