import type { Db } from '../index.js'
import type { AuditEntry, NewAuditEntry } from '../schema/index.js'
import type { SyncDb } from '../sync.js'

/** Call inside a write batch: the entries of a turn are committed with that turn's work. */
export function insertAuditEntries(sql: SyncDb, entries: readonly NewAuditEntry[]): void {
  for (const entry of entries) {
    sql.run(
      'INSERT INTO audit_log (time, event, message, user_name, actor, actor_type, source, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [entry.time, entry.event, entry.message, entry.user_name ?? null, entry.actor ?? null, entry.actor_type ?? null, entry.source ?? null, entry.outcome, entry.detail ?? null],
    )
  }
}

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

export async function deleteAuditEntriesBefore(db: Db, time: number): Promise<number> {
  const result = await db.deleteFrom('audit_log').where('time', '<', time).executeTakeFirst()
  return Number(result.numDeletedRows)
}

function filtered(db: Db, filter: AuditFilter) {
  let query = db.selectFrom('audit_log')
  const { user, event } = filter
  if (user) query = query.where((eb) => eb.or([eb('user_name', '=', user), eb('actor', '=', user)]))
  if (event) query = query.where('event', '=', event)
  return query
}
