import type { Db } from '../index.js'
import type { AuditEntry } from '../schema/index.js'

export interface AuditFilter {
  readonly user?: string | undefined
  readonly event?: string | undefined
}

/** Newest first; `user` matches the user exactly or the actor, so an admin's own actions show too. */
export async function listAuditEntries(db: Db, filter: AuditFilter, limit: number, offset: number): Promise<AuditEntry[]> {
  return filtered(db, filter).selectAll().orderBy('time', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute()
}

export async function countAuditEntries(db: Db, filter: AuditFilter): Promise<number> {
  const row = await filtered(db, filter)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirst()
  return Number(row?.count ?? 0)
}

/** The event names present, for the log page's filter. */
export async function listAuditEvents(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('audit_log').select('event').distinct().orderBy('event').execute()
  return rows.map((row) => row.event)
}

/**
 * Delete up to `limit` entries older than `time`, oldest first; returns how many went. Bounded,
 * so that a purge of months of rows is many short statements that let requests in between,
 * never one that holds the write lock (SQLite) or bloats one transaction (PostgreSQL) for long.
 */
export async function deleteAuditEntriesBefore(db: Db, time: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('audit_log')
    .where('id', 'in', (eb) => eb.selectFrom('audit_log').select('id').where('time', '<', time).orderBy('time').limit(limit))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

function filtered(db: Db, filter: AuditFilter) {
  let query = db.selectFrom('audit_log')
  const { user, event } = filter
  if (user) query = query.where((eb) => eb.or([eb('user_name', '=', user), eb('actor', '=', user)]))
  if (event) query = query.where('event', '=', event)
  return query
}
