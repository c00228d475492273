import type { Insertable, Updateable } from 'kysely'
import type { Db } from '../index.js'
import type { SyncRun } from '../schema/index.js'
import type { SyncRunsTable } from '../schema/sync-runs.js'

export type SyncRunChanges = Updateable<Omit<SyncRunsTable, 'id' | 'repository_id' | 'started_at'>>

export async function insertSyncRun(db: Db, run: Insertable<SyncRunsTable>): Promise<number> {
  const row = await db.insertInto('sync_runs').values(run).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function updateSyncRun(db: Db, id: number, changes: SyncRunChanges): Promise<void> {
  await db.updateTable('sync_runs').set(changes).where('id', '=', id).execute()
}

/** The repository's latest runs, newest first. */
export async function recentSyncRuns(db: Db, repositoryId: number, limit: number): Promise<SyncRun[]> {
  return db
    .selectFrom('sync_runs')
    .selectAll()
    .where('repository_id', '=', repositoryId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
}

/** The latest finished run that was not a dry run: when the schedule last synced. */
export async function lastRealSync(db: Db, repositoryId: number): Promise<SyncRun | undefined> {
  return db
    .selectFrom('sync_runs')
    .selectAll()
    .where('repository_id', '=', repositoryId)
    .where('dry_run', '=', 0)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
}

/** Keep the newest `keep` runs of a repository. */
export async function pruneSyncRuns(db: Db, repositoryId: number, keep: number): Promise<void> {
  const kept = db.selectFrom('sync_runs').select('id').where('repository_id', '=', repositoryId).orderBy('id', 'desc').limit(keep)
  await db.deleteFrom('sync_runs').where('repository_id', '=', repositoryId).where('id', 'not in', kept).execute()
}
