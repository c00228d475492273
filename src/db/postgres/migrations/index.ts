import type { Migration, MigrationProvider } from 'kysely'
import * as initial from './001-initial.js'
import * as messageExpiry from './002-message-expiry.js'
import * as admin from './003-admin.js'
import * as settingsVersion from './004-settings-version.js'
import * as nodes from './005-nodes.js'
import * as repositories from './006-repositories.js'
import * as pins from './007-pins.js'
import * as plainLdap from './008-plain-ldap.js'
import * as radius from './009-radius.js'
import * as radiusChallenges from './010-radius-challenges.js'
import * as userGroups from './011-user-groups.js'
import * as deliverySettings from './012-delivery-settings.js'
import * as nameSkeletons from './013-name-skeletons.js'

/**
 * PostgreSQL's numbered migrations: the same names and the same schema as SQLite's
 * (test/schema-parity.test.ts compares them), in PostgreSQL's types. Kysely runs each in a
 * transaction here (PostgreSQL has transactional DDL).
 */
const migrations: Record<string, Migration> = {
  '001-initial': initial,
  '002-message-expiry': messageExpiry,
  '003-admin': admin,
  '004-settings-version': settingsVersion,
  '005-nodes': nodes,
  '006-repositories': repositories,
  '007-pins': pins,
  '008-plain-ldap': plainLdap,
  '009-radius': radius,
  '010-radius-challenges': radiusChallenges,
  '011-user-groups': userGroups,
  '012-delivery-settings': deliverySettings,
  '013-name-skeletons': nameSkeletons,
}

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
}
