import type { Insertable } from 'kysely'
import type { Db } from '../index.js'
import type { AdminSession } from '../schema/index.js'
import type { AdminSessionsTable } from '../schema/admin-sessions.js'

export type SessionWithAdmin = AdminSession & { admin_name: string }

export async function insertSession(db: Db, session: Insertable<AdminSessionsTable>): Promise<void> {
  await db.insertInto('admin_sessions').values(session).execute()
}

export async function findSession(db: Db, tokenHash: Buffer): Promise<SessionWithAdmin | undefined> {
  return db
    .selectFrom('admin_sessions')
    .innerJoin('admins', 'admins.id', 'admin_sessions.admin_id')
    .selectAll('admin_sessions')
    .select('admins.name as admin_name')
    .where('admin_sessions.token_hash', '=', tokenHash)
    .executeTakeFirst()
}

export async function touchSession(db: Db, id: number, now: number): Promise<void> {
  await db.updateTable('admin_sessions').set({ last_seen_at: now }).where('id', '=', id).execute()
}

export async function deleteSession(db: Db, id: number): Promise<void> {
  await db.deleteFrom('admin_sessions').where('id', '=', id).execute()
}

export async function deleteSessionsOf(db: Db, adminId: number): Promise<void> {
  await db.deleteFrom('admin_sessions').where('admin_id', '=', adminId).execute()
}

/** Sessions past their absolute expiry, or idle since before `idleSince`. */
export async function deleteExpiredSessions(db: Db, now: number, idleSince: number): Promise<void> {
  await db
    .deleteFrom('admin_sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<', idleSince)]))
    .execute()
}
