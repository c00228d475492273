import { type Kysely, sql } from 'kysely'

/**
 * RADIUS clients (NASes), kept apart from agents. A NAS's shared secret is sealed with the master
 * key, not hashed as an agent's is: every packet's authenticators are computed with it, so it
 * must be recoverable. Their changes move the settings version, as agents' do (004), so every
 * node's cached settings see a new NAS, and what `auto` learnt of one. The audit log gains actor
 * types for a NAS, a user and an operator; SQLite cannot change a CHECK, so the table is made
 * again with the same columns (005's node last) and indexes (003's and 005's), its rows kept.
 * Shipped: never edit. Change the schema with a new numbered migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE nas_clients (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      networks TEXT NOT NULL,
      secret BLOB NOT NULL,
      identifier TEXT,
      message_authenticator TEXT NOT NULL DEFAULT 'required' CHECK (message_authenticator IN ('required', 'auto', 'off')),
      seen_message_authenticator INTEGER NOT NULL DEFAULT 0,
      two_stage INTEGER NOT NULL DEFAULT 0,
      check_password INTEGER NOT NULL DEFAULT 0,
      groups_keyword TEXT,
      group_format TEXT CHECK (group_format IN ('cisco', 'fortinet', 'watchguard')),
      created_at INTEGER NOT NULL
    ) STRICT`,
    ...['INSERT', 'UPDATE', 'DELETE'].map((change) =>
      sql.raw(`CREATE TRIGGER nas_clients_${change.toLowerCase()}_bumps_settings AFTER ${change} ON nas_clients
        BEGIN UPDATE settings_version SET version = version + 1; END`),
    ),
    sql`CREATE TABLE audit_log_new (
      id INTEGER PRIMARY KEY,
      time INTEGER NOT NULL,
      event TEXT NOT NULL,
      message TEXT NOT NULL,
      user_name TEXT,
      actor TEXT,
      actor_type TEXT CHECK (actor_type IN ('agent', 'admin', 'nas', 'user', 'operator')),
      source TEXT,
      outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
      detail TEXT,
      node TEXT
    ) STRICT`,
    sql`INSERT INTO audit_log_new (id, time, event, message, user_name, actor, actor_type, source, outcome, detail, node)
      SELECT id, time, event, message, user_name, actor, actor_type, source, outcome, detail, node FROM audit_log`,
    sql`DROP TABLE audit_log`,
    sql`ALTER TABLE audit_log_new RENAME TO audit_log`,
    sql`CREATE INDEX audit_log_time ON audit_log (time)`,
    sql`CREATE INDEX audit_log_user ON audit_log (user_name, time)`,
    sql`CREATE INDEX audit_log_event ON audit_log (event, time)`,
    sql`CREATE INDEX audit_log_actor ON audit_log (actor, time)`,
    sql`CREATE INDEX audit_log_source ON audit_log (source, time)`,
  ]
  for (const statement of statements) await statement.execute(db)
}
