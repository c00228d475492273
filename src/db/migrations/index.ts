import type { Migration, MigrationProvider } from 'kysely'
import * as initial from './001-initial.js'
import * as messageExpiry from './002-message-expiry.js'

/** Numbered migrations, registered in code so the compiled server needs no migration folder. */
const migrations: Record<string, Migration> = {
  '001-initial': initial,
  '002-message-expiry': messageExpiry,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
}
