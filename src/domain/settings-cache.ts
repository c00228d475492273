import { readSettingsVersion } from '../db/repositories/settings-version.js'
import type { SyncDb } from '../db/sync.js'

/**
 * Agents and policies, read once and kept until they change. Every read asks the database for
 * the settings version (one row, moved by triggers on every write, from any process), so a
 * change made by `agentxml policy set` or the admin console applies to the very next request.
 */
export class SettingsCache {
  #version: number | undefined
  readonly #values = new Map<string, unknown>()

  /**
   * `load()`'s value for `name`, loaded again only when the settings changed since. A promise
   * is kept as it is, so requests arriving while it loads share it; one that fails is dropped.
   */
  get<T>(sql: SyncDb, name: string, load: () => T): T {
    const version = readSettingsVersion(sql)
    if (version !== this.#version) {
      this.#values.clear()
      this.#version = version
    }
    if (this.#values.has(name)) return this.#values.get(name) as T
    const value = load()
    this.#values.set(name, value)
    if (value instanceof Promise) {
      value.catch(() => {
        if (this.#values.get(name) === value) this.#values.delete(name)
      })
    }
    return value
  }
}
