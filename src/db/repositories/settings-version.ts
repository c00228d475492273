import type { Db } from '../index.js'
import { rawQuery } from '../raw.js'

/** The number that moves whenever an agent or a policy changes (migration 004's triggers). */
export async function readSettingsVersion(db: Db): Promise<number> {
  const [row] = await rawQuery<{ version: number }>(db, 'SELECT version FROM settings_version')
  return row?.version ?? 0
}
