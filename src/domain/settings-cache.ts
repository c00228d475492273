import type { Db } from '../db/index.js'
import { readSettingsVersion } from '../db/repositories/settings-version.js'

/**
 * Agents and policies, read once and kept until they change. Every read asks the database for
 * the settings version (one row, moved by triggers on every write, from any process), so a
 * change made by `agentxml policy set` or the admin console applies to the very next request.
 */
export class SettingsCache {
  #version: number | undefined
  readonly #values = new Map<string, unknown>()

  /** `load()`'s value for `name`, loaded again only when the settings changed since. */
  async get<T>(db: Db, name: string, load: () => Promise<T>): Promise<T> {
    // the version first: a change committed after it is seen by the next call
    const version = await readSettingsVersion(db)
    if (version !== this.#version) {
      this.#values.clear()
      this.#version = version
    }
    if (this.#values.has(name)) return this.#values.get(name) as T
    const value = await load()
    if (this.#version === version) this.#values.set(name, value)
    return value
  }
}
