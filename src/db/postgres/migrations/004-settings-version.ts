import { type Kysely, sql } from 'kysely'

// Shipped: never edit. A counter that moves whenever an agent or a policy changes, from any
// node (the triggers see every write), so nodes can cache both and check one number. The
// notification only lets listening nodes reload early; the number is what is relied on.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE settings_version (version bigint NOT NULL)`.execute(db)
  await sql`INSERT INTO settings_version (version) VALUES (0)`.execute(db)
  await sql`CREATE FUNCTION agentxml_bump_settings() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE settings_version SET version = version + 1;
      PERFORM pg_notify('agentxml_settings', '');
      RETURN NULL;
    END $$`.execute(db)
  for (const table of ['agents', 'policies']) {
    await sql
      .raw(`CREATE TRIGGER ${table}_bump_settings AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION agentxml_bump_settings()`)
      .execute(db)
  }
}
