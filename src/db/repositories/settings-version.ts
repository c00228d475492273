import type { SyncDb } from '../sync.js'

/** The number that moves whenever an agent or a policy changes (migration 004's triggers). */
export function readSettingsVersion(sql: SyncDb): number {
  return sql.get<{ version: number }>('SELECT version FROM settings_version')?.version ?? 0
}
