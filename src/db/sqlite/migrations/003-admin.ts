import { type Kysely, sql } from 'kysely'

// Shipped: never edit. Change the schema with a new numbered migration.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE admins (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      password_hash TEXT NOT NULL,
      failed_signins INTEGER NOT NULL DEFAULT 0,
      locked_until INTEGER,
      created_at INTEGER NOT NULL
    ) STRICT`,
    sql`CREATE TABLE admin_sessions (
      id INTEGER PRIMARY KEY,
      token_hash BLOB NOT NULL UNIQUE,
      admin_id INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
      created_at INTEGER NOT NULL,
      last_seen_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    ) STRICT`,
    sql`CREATE INDEX admin_sessions_admin ON admin_sessions (admin_id)`,
    sql`CREATE TABLE audit_log (
      id INTEGER PRIMARY KEY,
      time INTEGER NOT NULL,
      event TEXT NOT NULL,
      message TEXT NOT NULL,
      user_name TEXT,
      actor TEXT,
      actor_type TEXT CHECK (actor_type IN ('agent', 'admin')),
      source TEXT,
      outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
      detail TEXT
    ) STRICT`,
    sql`CREATE INDEX audit_log_time ON audit_log (time)`,
    sql`CREATE INDEX audit_log_user ON audit_log (user_name, time)`,
    sql`CREATE INDEX audit_log_event ON audit_log (event, time)`,
  ]
  for (const statement of statements) await statement.execute(db)
}
