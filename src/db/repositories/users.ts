import type { Insertable, Updateable } from 'kysely'
import { containsText, forUpdate } from '../engine.js'
import type { Db } from '../index.js'
import type { User } from '../schema/index.js'
import type { UsersTable } from '../schema/users.js'

export type NewUser = Insertable<UsersTable>
export type UserChanges = Updateable<Omit<UsersTable, 'id' | 'name' | 'created_at'>>

/**
 * The user named exactly `name`, else the one whose name matches `key` (domain/user-names.ts
 * `nameKey`: case-insensitive). The exact name first: of two users an older version let in with
 * names that differ only in case, the one migration 005 left without a key (name-keys.ts) is
 * reached by its own name, to be deleted or changed, and never mistaken for the other.
 */
export async function findUserByName(db: Db, name: string, key: string): Promise<User | undefined> {
  return (await db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst()) ?? findUserByKey(db, key)
}

/** The user whose name matches `key` (domain/user-names.ts `nameKey`: case-insensitive). */
export async function findUserByKey(db: Db, key: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('name_key', '=', key).executeTakeFirst()
}

/**
 * The same, its row locked until the caller's transaction ends (PostgreSQL; SQLite's transaction
 * holds the write lock already): what the hot paths lock first, so changes to one user queue up.
 */
export async function lockUserByKey(trx: Db, key: string): Promise<User | undefined> {
  return forUpdate(trx, trx.selectFrom('users').selectAll().where('name_key', '=', key)).executeTakeFirst()
}

/** The names of the users whose names have this look-alike skeleton (domain/name-skeleton.ts). */
export async function namesBySkeleton(db: Db, skeleton: string): Promise<string[]> {
  return (await db.selectFrom('users').select('name').where('name_skeleton', '=', skeleton).execute()).map((row) => row.name)
}

/** Users of an earlier version, whose skeleton is still to be filled: a page of them. */
export async function usersWithoutSkeleton(db: Db, limit: number): Promise<{ id: number; name: string }[]> {
  return db.selectFrom('users').select(['id', 'name']).where('name_skeleton', 'is', null).orderBy('id').limit(limit).execute()
}

export async function insertUser(db: Db, user: NewUser): Promise<number> {
  const row = await db.insertInto('users').values(user).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function updateUser(db: Db, id: number, changes: UserChanges): Promise<void> {
  await db.updateTable('users').set(changes).where('id', '=', id).execute()
}

export async function deleteUserById(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** Users by name, `search` matching anywhere in the name, for listings. */
export async function listUsers(db: Db, options: { search?: string; limit?: number } = {}): Promise<User[]> {
  let query = db.selectFrom('users').selectAll().orderBy('name')
  if (options.search) query = query.where(containsText(db, 'name', options.search))
  if (options.limit !== undefined) query = query.limit(options.limit)
  return query.execute()
}

/** Of these users, those with the mobile right and no PIN, their rows locked (PostgreSQL) until the transaction ends. */
export async function lockUsersWithoutPin(trx: Db, ids: readonly number[]): Promise<User[]> {
  if (ids.length === 0) return []
  return forUpdate(trx, trx.selectFrom('users').selectAll().where('id', 'in', [...ids]).where('pin', 'is', null).where('mobile', '=', 1).orderBy('id')).execute()
}

/** Ids of users with the mobile right and no PIN, above `afterId`, by id (a page at a time); of one repository when given. */
export async function pageUsersWithoutPin(db: Db, afterId: number, limit: number, repositoryId?: number): Promise<number[]> {
  let query = db.selectFrom('users').select('id').where('id', '>', afterId).where('pin', 'is', null).where('mobile', '=', 1).where('removed_at', 'is', null)
  if (repositoryId !== undefined) query = query.where('repository_id', '=', repositoryId)
  return (await query.orderBy('id').limit(limit).execute()).map((row) => row.id)
}

/** Users with the mobile right whose PIN was set at or before `setBefore` and who have not been reminded since (a page of them). */
export async function usersToRemind(db: Db, setBefore: number, limit: number): Promise<User[]> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('pin', 'is not', null)
    .where('mobile', '=', 1)
    .where('pin_set_at', '<=', setBefore)
    .where('pin_reminded_at', 'is', null)
    .orderBy('id')
    .limit(limit)
    .execute()
}
