import { type Insertable, type Updateable, sql } from 'kysely'
import type { Db } from '../index.js'
import type { User } from '../schema/index.js'
import type { UsersTable } from '../schema/users.js'

export type NewUser = Insertable<UsersTable>
export type UserChanges = Updateable<Omit<UsersTable, 'id' | 'name' | 'created_at'>>

export async function findUserByName(db: Db, name: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst()
}

export async function insertUser(db: Db, user: NewUser): Promise<number> {
  const row = await db.insertInto('users').values(user).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function updateUser(db: Db, id: number, changes: UserChanges): Promise<void> {
  await db.updateTable('users').set(changes).where('id', '=', id).execute()
}

export async function deleteUserByName(db: Db, name: string): Promise<boolean> {
  const result = await db.deleteFrom('users').where('name', '=', name).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** Users by name, `search` matching anywhere in the name, for listings. */
export async function listUsers(db: Db, options: { search?: string; limit?: number; offset?: number } = {}): Promise<User[]> {
  let query = db.selectFrom('users').selectAll().orderBy('name')
  if (options.search) {
    const pattern = `%${options.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    query = query.where(sql<boolean>`name LIKE ${pattern} ESCAPE '\\'`)
  }
  return query
    .limit(options.limit ?? -1)
    .offset(options.offset ?? 0)
    .execute()
}
