import type { Generated, Selectable } from 'kysely'

export type SyncStatus = 'running' | 'ok' | 'failed' | 'stopped'

/** One synchronisation of a repository, with what it did (or would have done, for a dry run). */
export interface SyncRunsTable {
  id: Generated<number>
  repository_id: number
  /** Who asked: 'schedule', 'command' or 'console'. */
  trigger: string
  dry_run: number
  status: SyncStatus
  started_at: number
  finished_at: number | null
  /** Directory entries read. */
  entries: Generated<number>
  added: Generated<number>
  updated: Generated<number>
  /** Users newly marked removed (their entry disappeared). */
  removed: Generated<number>
  /** Users marked removed whose entry came back. */
  restored: Generated<number>
  /** Users deleted at the end of their grace period. */
  deleted: Generated<number>
  /** Names found in two places (another repository, a local user, twice in the directory). */
  conflicts: Generated<number>
  error: string | null
  /** JSON: the conflicting names, at most a few dozen. */
  detail: string | null
}

export type SyncRun = Selectable<SyncRunsTable>
