import { type Kysely, sql } from 'kysely'

// Shipped: never edit. Change the schema with a new numbered migration.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE users (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      pin BLOB,
      email TEXT,
      phone TEXT,
      transport TEXT NOT NULL DEFAULT 'outbox',
      mobile INTEGER NOT NULL DEFAULT 1,
      failed_logins INTEGER NOT NULL DEFAULT 0,
      locked_at INTEGER,
      created_at INTEGER NOT NULL
    ) STRICT`,
    sql`CREATE TABLE agents (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      secret_hash BLOB NOT NULL,
      networks TEXT NOT NULL,
      admin INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL
    ) STRICT`,
    sql`CREATE TABLE policies (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT`,
    sql`CREATE TABLE provision_codes (
      user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      code_hash BLOB NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    ) STRICT`,
    sql`CREATE TABLE devices (
      id INTEGER PRIMARY KEY,
      user_id INTEGER NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
      id_hash BLOB NOT NULL UNIQUE,
      device_os TEXT,
      push_id TEXT,
      created_at INTEGER NOT NULL
    ) STRICT`,
    sql`CREATE TABLE string_batches (
      id INTEGER PRIMARY KEY,
      device_id INTEGER NOT NULL UNIQUE REFERENCES devices(id) ON DELETE CASCADE,
      strings BLOB NOT NULL,
      created_at INTEGER NOT NULL
    ) STRICT`,
    sql`CREATE TABLE used_strings (
      batch_id INTEGER NOT NULL REFERENCES string_batches(id) ON DELETE CASCADE,
      idx INTEGER NOT NULL,
      used_at INTEGER NOT NULL,
      PRIMARY KEY (batch_id, idx)
    ) STRICT, WITHOUT ROWID`,
    sql`CREATE TABLE messages (
      id INTEGER PRIMARY KEY,
      user_name TEXT NOT NULL,
      transport TEXT NOT NULL,
      destination TEXT NOT NULL,
      subject TEXT NOT NULL,
      body BLOB,
      status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      claimed_until INTEGER,
      last_error TEXT,
      created_at INTEGER NOT NULL,
      sent_at INTEGER
    ) STRICT`,
    sql`CREATE INDEX messages_due ON messages (status, next_attempt_at)`,
  ]
  for (const statement of statements) await statement.execute(db)
}
