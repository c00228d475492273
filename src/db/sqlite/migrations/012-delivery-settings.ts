import { type Kysely, sql } from 'kysely'

/**
 * Delivery and site settings shared by every node and command (SMTP, SMS gateway, site id, public
 * URL, message templates, retry delays), beside the policies. A value that may carry a credential
 * (the SMTP URL, the SMS gateway's URL and headers) is sealed with the master key, never stored in
 * clear. Their changes move the settings version, as policies' do (004), so every node's cached
 * settings see them at its next message.
 * Shipped: never edit. Change the schema with a new numbered migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`CREATE TABLE delivery_settings (
      key TEXT NOT NULL PRIMARY KEY,
      value TEXT,
      sealed BLOB,
      CHECK ((value IS NULL) <> (sealed IS NULL))
    ) STRICT`,
    ...['INSERT', 'UPDATE', 'DELETE'].map((change) =>
      sql.raw(`CREATE TRIGGER delivery_settings_${change.toLowerCase()}_bumps_settings AFTER ${change} ON delivery_settings
        BEGIN UPDATE settings_version SET version = version + 1; END`),
    ),
  ]
  for (const statement of statements) await statement.execute(db)
}
