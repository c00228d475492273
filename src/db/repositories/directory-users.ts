import type { Insertable, Updateable } from 'kysely'
import type { Db } from '../index.js'
import type { UsersTable } from '../schema/users.js'

/** What a sync compares of every user (all of them: a name may be taken by a local user). */
export interface SyncedUserRow {
  readonly id: number
  readonly name: string
  readonly repository_id: number | null
  readonly email: string | null
  readonly phone: string | null
  readonly transport: string
  readonly mobile: number
  readonly directory_dn: string | null
  readonly directory_disabled: number
  readonly directory_groups: string | null
  readonly removed_at: number | null
}

export type DirectoryUserChanges = Updateable<
  Pick<UsersTable, 'email' | 'phone' | 'transport' | 'mobile' | 'directory_dn' | 'directory_disabled' | 'directory_groups' | 'removed_at'>
>

/** Users with ids above `afterId`, by id: read a page at a time, so a large table never blocks for long. */
export async function pageSyncedUsers(db: Db, afterId: number, limit: number): Promise<SyncedUserRow[]> {
  return db
    .selectFrom('users')
    .select(['id', 'name', 'repository_id', 'email', 'phone', 'transport', 'mobile', 'directory_dn', 'directory_disabled', 'directory_groups', 'removed_at'])
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute()
}

/** Many users in one statement (the caller keeps a batch well under the engines' parameter limits); their ids, with their mobile right. */
export async function insertUsers(db: Db, users: readonly Insertable<UsersTable>[]): Promise<{ id: number; mobile: number }[]> {
  if (users.length === 0) return []
  return db.insertInto('users').values([...users]).returning(['id', 'mobile']).execute()
}

export async function updateDirectoryUser(db: Db, id: number, repositoryId: number, changes: DirectoryUserChanges): Promise<void> {
  // the repository is checked again: a user taken over by hand in between is left alone
  await db.updateTable('users').set(changes).where('id', '=', id).where('repository_id', '=', repositoryId).execute()
}

export async function deleteDirectoryUsers(db: Db, ids: readonly number[], repositoryId: number): Promise<number> {
  if (ids.length === 0) return 0
  const result = await db.deleteFrom('users').where('id', 'in', [...ids]).where('repository_id', '=', repositoryId).executeTakeFirst()
  return Number(result.numDeletedRows)
}

/** Users of a repository: all, and those not marked removed. */
export async function countRepositoryUsers(db: Db, repositoryId: number): Promise<{ total: number; removed: number }> {
  const row = await db
    .selectFrom('users')
    .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.count<number>('removed_at').as('removed')])
    .where('repository_id', '=', repositoryId)
    .executeTakeFirst()
  return { total: Number(row?.total ?? 0), removed: Number(row?.removed ?? 0) }
}

/** Detach a repository's users: they become local users, kept as they are. */
export async function detachRepositoryUsers(db: Db, repositoryId: number): Promise<number> {
  const result = await db
    .updateTable('users')
    .set({ repository_id: null, directory_dn: null, directory_disabled: 0, removed_at: null })
    .where('repository_id', '=', repositoryId)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

export async function deleteRepositoryUsers(db: Db, repositoryId: number): Promise<number> {
  const result = await db.deleteFrom('users').where('repository_id', '=', repositoryId).executeTakeFirst()
  return Number(result.numDeletedRows)
}
