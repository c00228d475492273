import { type Kysely, sql } from 'kysely'

/**
 * User repositories (LDAP directories whose entries become users), their sync runs, where each
 * user comes from, and the agent flag that makes `login` check the directory password.
 * Shipped: never edit. Change the schema with a new numbered migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE repositories (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL CHECK (type IN ('ldap')),
      preset TEXT NOT NULL CHECK (preset IN ('ad', 'openldap')),
      url TEXT NOT NULL,
      start_tls INTEGER NOT NULL DEFAULT 0,
      ca_pem TEXT,
      bind_dn TEXT NOT NULL,
      bind_password BLOB NOT NULL,
      base_dn TEXT NOT NULL,
      filter TEXT NOT NULL,
      username_attr TEXT NOT NULL,
      email_attr TEXT NOT NULL,
      phone_attr TEXT NOT NULL,
      groups TEXT NOT NULL,
      mobile_group TEXT,
      user_transport TEXT NOT NULL,
      interval_minutes INTEGER NOT NULL,
      grace_days INTEGER NOT NULL,
      max_removal_percent INTEGER NOT NULL,
      sync_lease_until INTEGER,
      created_at INTEGER NOT NULL
    ) STRICT`,
    sql`CREATE TABLE sync_runs (
      id INTEGER PRIMARY KEY,
      repository_id INTEGER NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
      trigger TEXT NOT NULL,
      dry_run INTEGER NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'stopped')),
      started_at INTEGER NOT NULL,
      finished_at INTEGER,
      entries INTEGER NOT NULL DEFAULT 0,
      added INTEGER NOT NULL DEFAULT 0,
      updated INTEGER NOT NULL DEFAULT 0,
      removed INTEGER NOT NULL DEFAULT 0,
      restored INTEGER NOT NULL DEFAULT 0,
      deleted INTEGER NOT NULL DEFAULT 0,
      conflicts INTEGER NOT NULL DEFAULT 0,
      error TEXT,
      detail TEXT
    ) STRICT`,
    sql`CREATE INDEX sync_runs_repository ON sync_runs (repository_id, started_at)`,
    sql`ALTER TABLE users ADD COLUMN repository_id INTEGER REFERENCES repositories(id)`,
    sql`ALTER TABLE users ADD COLUMN directory_dn TEXT`,
    sql`ALTER TABLE users ADD COLUMN directory_disabled INTEGER NOT NULL DEFAULT 0`,
    sql`ALTER TABLE users ADD COLUMN removed_at INTEGER`,
    sql`CREATE INDEX users_repository ON users (repository_id, id)`,
    sql`ALTER TABLE agents ADD COLUMN check_password INTEGER NOT NULL DEFAULT 0`,
  ]
  for (const statement of statements) await statement.execute(db)
}
