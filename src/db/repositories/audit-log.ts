import type { Db } from '../index.js'
import type { AuditEntry, AuditOutcome } from '../schema/index.js'

export interface AuditFilter {
  /** The user acted on, or the agent or administrator that acted. */
  readonly user?: string | undefined
  readonly event?: string | undefined
  readonly outcome?: AuditOutcome | undefined
  /** The client's address, exactly. */
  readonly source?: string | undefined
  /** Entries at or after this time (ms). */
  readonly since?: number | undefined
  /** Entries before this time (ms). */
  readonly until?: number | undefined
}

/** Where a page of the log starts: an entry's time and id (keyset paging, so page 1000 costs what page 1 does). */
export interface AuditPosition {
  readonly time: number
  readonly id: number
}

export interface AuditPageRequest {
  readonly limit: number
  /** Only entries older than this one. */
  readonly before?: AuditPosition | undefined
  /** Only entries newer than this one (the page before, going back towards the newest). */
  readonly after?: AuditPosition | undefined
}

/**
 * Up to `limit` entries, newest first, in the order of the `(time)` index with the id breaking
 * ties; `user` matches the user exactly or the actor, so an administrator's own actions show too.
 */
export async function listAuditEntries(db: Db, filter: AuditFilter, page: AuditPageRequest): Promise<AuditEntry[]> {
  let query = filtered(db, filter).selectAll()
  const { before, after } = page
  if (after) {
    // the rows just newer than `after`, nearest first, then turned round to newest first
    query = query.where((eb) => eb.and([eb('time', '>=', after.time), eb.or([eb('time', '>', after.time), eb('id', '>', after.id)])]))
    const rows = await query.orderBy('time', 'asc').orderBy('id', 'asc').limit(page.limit).execute()
    return rows.reverse()
  }
  if (before) {
    // written as a range on time first, so both engines walk the time index
    query = query.where((eb) => eb.and([eb('time', '<=', before.time), eb.or([eb('time', '<', before.time), eb('id', '<', before.id)])]))
  }
  return query.orderBy('time', 'desc').orderBy('id', 'desc').limit(page.limit).execute()
}

/** How many entries match, counting no further than `cap`: on a big table an exact count would read every row. */
export async function countAuditEntries(db: Db, filter: AuditFilter, cap: number): Promise<number> {
  const row = await db
    .selectFrom(filtered(db, filter).select('id').limit(cap).as('matching'))
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirst()
  return Number(row?.count ?? 0)
}

function filtered(db: Db, filter: AuditFilter) {
  let query = db.selectFrom('audit_log')
  const { user, event, outcome, source, since, until } = filter
  if (user) query = query.where((eb) => eb.or([eb('user_name', '=', user), eb('actor', '=', user)]))
  if (event) query = query.where('event', '=', event)
  if (outcome) query = query.where('outcome', '=', outcome)
  if (source) query = query.where('source', '=', source)
  if (since !== undefined) query = query.where('time', '>=', since)
  if (until !== undefined) query = query.where('time', '<', until)
  return query
}
