import { type Kysely, sql } from 'kysely'

/**
 * SQLite's 011 in PostgreSQL's types: the delivery and site settings every node shares, those that
 * may carry a credential sealed, whose changes move the settings version (004's function).
 * Shipped: never edit. Change the schema with a new numbered migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE delivery_settings (
      key text PRIMARY KEY,
      value text,
      sealed bytea,
      CHECK ((value IS NULL) <> (sealed IS NULL))
    )`,
    sql`CREATE TRIGGER delivery_settings_bump_settings AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON delivery_settings
      FOR EACH STATEMENT EXECUTE FUNCTION agentxml_bump_settings()`,
  ]
  for (const statement of statements) await statement.execute(db)
}
