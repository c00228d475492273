import type { Insertable, Updateable } from 'kysely'
import type { Db } from '../index.js'
import type { Admin } from '../schema/index.js'
import type { AdminsTable } from '../schema/admins.js'

export async function findAdminByName(db: Db, name: string): Promise<Admin | undefined> {
  return db.selectFrom('admins').selectAll().where('name', '=', name).executeTakeFirst()
}

export async function listAdmins(db: Db): Promise<Admin[]> {
  return db.selectFrom('admins').selectAll().orderBy('name').execute()
}

export async function insertAdmin(db: Db, admin: Insertable<AdminsTable>): Promise<number> {
  const row = await db.insertInto('admins').values(admin).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function updateAdmin(db: Db, id: number, changes: Updateable<Omit<AdminsTable, 'id' | 'name'>>): Promise<void> {
  await db.updateTable('admins').set(changes).where('id', '=', id).execute()
}

/** Count one failed sign-in and return the new count, in one statement (two at once both count). */
export async function countFailedSignIn(db: Db, id: number): Promise<number> {
  const row = await db
    .updateTable('admins')
    .set((eb) => ({ failed_signins: eb('failed_signins', '+', 1) }))
    .where('id', '=', id)
    .returning('failed_signins')
    .executeTakeFirst()
  return row?.failed_signins ?? 0
}

export async function deleteAdminByName(db: Db, name: string): Promise<boolean> {
  const result = await db.deleteFrom('admins').where('name', '=', name).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** Replace a password hash only if it is still `from` (another node may have replaced it first). */
export async function replaceAdminHash(db: Db, id: number, from: string, to: string): Promise<void> {
  await db.updateTable('admins').set({ password_hash: to }).where('id', '=', id).where('password_hash', '=', from).execute()
}
