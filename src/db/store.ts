import type { Agent, NasClient, NewAuditEntry, User } from './schema/index.js'

export type Engine = 'sqlite' | 'postgres'

/**
 * Agents, NASes, policies and delivery settings as stored, with the version that moves whenever any
 * changes (from any node). One object per version: the domain derives what it needs from it once,
 * by identity.
 */
export interface Settings {
  readonly version: number
  readonly policies: ReadonlyMap<string, string>
  /** The delivery and site settings (transports/setting-keys.ts), a credential-bearing one still sealed. */
  readonly delivery: ReadonlyMap<string, StoredSetting>
  readonly agents: readonly Agent[]
  readonly nasClients: readonly NasClient[]
}

/**
 * The hot-path units. Each is written once in the domain as read → decide → write: the store
 * reads (on PostgreSQL locking the user's row first, always in that order), hands the view to
 * `decide`, which decides in plain synchronous code and records its writes, and the store
 * commits them. The promise resolves only after the commit, so a reply sent then survives a
 * crash. `decide` throwing writes nothing. `settings` is current as of the read.
 *
 * SQLite (sqlite/store.ts) runs every unit of one event-loop turn in one transaction (group
 * commit); PostgreSQL (postgres/store.ts) runs one short transaction per unit in two round
 * trips: BEGIN and the reads, then the writes and COMMIT.
 */
export interface Store {
  readonly engine: Engine
  /**
   * `limits` are counted (one hit each, an atomic upsert) before the read; `view.hits` says how
   * many. On PostgreSQL the counts are committed at once, before the unit takes the user's lock:
   * an attempt counts even if its unit then fails, and a counter that every request from one
   * address shares is not held for the length of a unit.
   */
  provision<T>(nameKey: string, limits: readonly Limit[], decide: (view: ProvisionView, writes: ProvisionWrites) => T): Promise<T>
  download<T>(idHash: Buffer, decide: (view: DownloadView, writes: DownloadWrites) => T): Promise<T>
  login<T>(nameKey: string, decide: (view: LoginView, writes: LoginWrites) => T): Promise<T>
  /** The user's current batch and its highest burnt index (TokenIndex), no lock. */
  tokenIndex(nameKey: string): Promise<{ readonly highest: number | null } | undefined>
  /** Audit rows, committed with whatever else this turn writes (SQLite) or in one statement. */
  insertAudit(entries: readonly NewAuditEntry[]): Promise<void>
  /**
   * Delete up to `limit` audit entries older than `time`, oldest first; how many went. Bounded,
   * so that a purge of months of rows is many short statements that let requests in between,
   * never one that holds the write lock (SQLite) or bloats one transaction (PostgreSQL) for
   * long. On SQLite the server's worker thread first reads the pages the statement will change:
   * the rows of months ago are seldom in memory, and the one connection must not wait for them.
   */
  deleteAuditBefore(time: number, limit: number): Promise<number>
  /** The settings, current now: one read of the version, and of the rest when it moved. */
  settings(): Promise<Settings>
  /**
   * Run `work` unless another node runs the chore `name` right now (PostgreSQL: an advisory
   * lock); false when it was skipped. SQLite has one server, which runs its chores itself.
   */
  exclusively(name: string, work: () => Promise<void>): Promise<boolean>
  /** Resolves when the database answers a query; rejects after `timeoutMs`. */
  ping(timeoutMs: number): Promise<void>
  close(): Promise<void>
}

/** One delivery setting as stored: its text, or its text sealed with the master key. */
export interface StoredSetting {
  readonly value: string | null
  readonly sealed: Buffer | null
}

/** A rate limit counted in a unit: one hit on `key` in a window of `windowMs` from the first. */
export interface Limit {
  readonly key: string
  readonly windowMs: number
  readonly now: number
}

export interface ProvisionView {
  readonly settings: Settings
  /** Hits of each limit in its window, this one included. */
  readonly hits: readonly number[]
  /** Undefined for a name no user has. */
  readonly user: Pick<User, 'id' | 'name' | 'mobile'> | undefined
  /** The user's pending code, if any. */
  readonly pending: { readonly code_hash: Buffer; readonly expires_at: number } | undefined
}

export interface NewDevice {
  readonly userId: number
  readonly idHash: Buffer
  readonly deviceOs: string | null
  readonly pushId: string | null
  readonly now: number
}

export interface ProvisionWrites {
  /** The pending code goes, right or wrong; user id 0 (no user has it) touches nothing. */
  consumeCode(userId: number): void
  /** The new device replaces the user's old one, and with it every string of the old one. */
  bindDevice(device: NewDevice): void
}

export interface DownloadView {
  readonly settings: Settings
  /** The device the provision id names, with its user's name; undefined for an unknown or old id. */
  readonly device: { readonly id: number; readonly userName: string } | undefined
}

export interface DownloadWrites {
  /** `sealed` becomes the device's one batch; the old strings and their burns are gone. */
  replaceBatch(deviceId: number, sealed: Buffer, now: number): void
}

export interface LoginView {
  readonly settings: Settings
  readonly user: User | undefined
  readonly deviceId: number | null
  readonly batch: LoginBatch | null
}

/** The user's current batch as a login sees it. */
export interface LoginBatch {
  readonly id: number
  readonly sealed: Buffer
  /** How many of its strings are burnt, counted when asked: a login asks only when the string it names is not fresh. */
  usedCount(): number
  /** Whether the string at `index` is burnt; asked before the unit burns it. */
  isUsed(index: number): boolean
}

export interface LoginWrites {
  /** Burn an index of a batch; batch id 0 (none has it) touches nothing. */
  burn(batchId: number, index: number, now: number): void
  /** The user's failed-login count and lock as decided; user id 0 touches nothing. */
  setFailures(userId: number, failedLogins: number, lockedAt: number | null): void
  /** A new PIN (sealed), when it was set, and the history with the old one's hash (domain/pins.ts); a message with an older PIN still queued is withdrawn. */
  setPin(userId: number, pin: PinColumns): void
  /** The decision's audit row, committed with its other writes (domain/login.ts). */
  audit(entry: NewAuditEntry): void
}

/** The columns a new PIN writes. */
export interface PinColumns {
  readonly pin: Buffer
  readonly pin_set_at: number
  readonly pin_history: Buffer | null
}
