import pg from 'pg'
import type { Agent, NasClient } from '../schema/index.js'
import type { Settings, StoredSetting } from '../store.js'

export interface SettingsSource {
  /** The settings of `version`, as `client` (inside the caller's transaction) sees them. */
  at(version: number, client: pg.PoolClient): Promise<Settings>
  /** The settings now: a read of the version, and of the rest when it moved. */
  now(): Promise<Settings>
  close(): Promise<void>
}

const channel = 'agentxml_settings'

/**
 * Agents, NASes, policies and delivery settings kept between requests, checked against settings_version on every unit
 * (the read that decides). A node also LISTENs for the triggers' notification and reloads at
 * once, so the unit after a change usually finds the new settings already loaded; the version
 * check alone keeps it right when the notification connection is down.
 */
export function settingsSource(pool: pg.Pool, onError: (err: unknown) => void): SettingsSource {
  let cached: Settings | undefined
  let closed = false
  let listener: pg.Client | undefined
  let retry: NodeJS.Timeout | undefined

  const load = async (query: (text: string) => Promise<unknown>): Promise<Settings> => {
    const [version, policies, agents, nasClients, delivery] = (await query(
      'SELECT version FROM settings_version; SELECT key, value FROM policies; SELECT * FROM agents ORDER BY name; SELECT * FROM nas_clients ORDER BY name; SELECT key, value, sealed FROM delivery_settings',
    )) as pg.QueryResult[]
    const loaded: Settings = Object.freeze({
      version: Number(version?.rows[0]?.version ?? 0),
      policies: new Map((policies?.rows ?? []).map((row: { key: string; value: string }) => [row.key, row.value])),
      agents: Object.freeze((agents?.rows ?? []) as Agent[]),
      nasClients: Object.freeze((nasClients?.rows ?? []) as NasClient[]),
      delivery: new Map((delivery?.rows ?? []).map((row: StoredSetting & { key: string }) => [row.key, { value: row.value, sealed: row.sealed }])),
    })
    if (!cached || loaded.version >= cached.version) cached = loaded
    return loaded
  }

  const listen = async (): Promise<void> => {
    if (closed) return
    const client = new pg.Client({ ...pool.options, application_name: `${pool.options.application_name ?? 'agentxml'} (settings)` })
    client.on('error', () => undefined)
    client.on('notification', () => void load((text) => pool.query(text)).catch(onError))
    try {
      await client.connect()
      await client.query(`LISTEN ${channel}`)
      if (closed) throw new Error('closed')
    } catch {
      // the database is away: /ready says so; the version check keeps every unit right meanwhile
      void client.end().catch(() => undefined)
      if (!closed) retry = setTimeout(() => void listen(), 2000)
      return
    }
    listener = client
    client.on('end', () => {
      if (listener === client) listener = undefined
      if (!closed) retry = setTimeout(() => void listen(), 1000)
    })
    // what changed while nobody was listening
    await load((text) => pool.query(text)).catch(onError)
  }
  void listen()

  return {
    async at(version, client) {
      if (cached?.version === version) return cached
      return load((text) => client.query(text))
    },
    async now() {
      const { rows } = await pool.query<{ version: string | number }>('SELECT version FROM settings_version')
      const version = Number(rows[0]?.version ?? 0)
      if (cached?.version === version) return cached
      return load((text) => pool.query(text))
    },
    async close() {
      closed = true
      clearTimeout(retry)
      await listener?.end().catch(() => undefined)
    },
  }
}
