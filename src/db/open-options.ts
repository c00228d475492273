import type { Kysely } from 'kysely'
import type { Database } from './schema/index.js'
import type { Store } from './store.js'

export interface OpenOptions {
  /** Make a new SQLite file when there is none (the server, `agentxml init`); otherwise that is an error. */
  readonly create?: boolean
  /** The master key's check value; a database made with another key is refused, unchanged. */
  readonly keyCheck?: string
  /** Names this process in PostgreSQL's session list (`application_name`). */
  readonly nodeName?: string
  /** Something was fixed on the way (a file's mode); the caller logs it. */
  readonly onWarning?: (message: string) => void
  /** SQLite: WAL checkpoints in a worker thread rather than inside commits (the server). */
  readonly backgroundCheckpoints?: boolean
  /** An error of the background (an idle PostgreSQL connection dropped); the caller logs it. */
  readonly onError?: (err: unknown) => void
}

export interface OpenedDatabase {
  readonly db: Kysely<Database>
  readonly store: Store
}
