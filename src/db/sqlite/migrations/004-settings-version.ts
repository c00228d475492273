import { type Kysely, sql } from 'kysely'

// Shipped: never edit. A counter that moves whenever an agent or a policy changes, from any
// process (the triggers see every write), so servers can cache both and check one number.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE settings_version (version INTEGER NOT NULL) STRICT`.execute(db)
  await sql`INSERT INTO settings_version (version) VALUES (0)`.execute(db)
  for (const table of ['agents', 'policies']) {
    for (const change of ['INSERT', 'UPDATE', 'DELETE']) {
      await sql
        .raw(`CREATE TRIGGER ${table}_${change.toLowerCase()}_bumps_settings AFTER ${change} ON ${table}
          BEGIN UPDATE settings_version SET version = version + 1; END`)
        .execute(db)
    }
  }
}
