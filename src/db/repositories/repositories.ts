import type { Insertable, Updateable } from 'kysely'
import type { Db } from '../index.js'
import type { Repository } from '../schema/index.js'
import type { RepositoriesTable } from '../schema/repositories.js'

export type NewRepository = Insertable<RepositoriesTable>
export type RepositoryChanges = Updateable<Omit<RepositoriesTable, 'id' | 'created_at'>>

export async function listRepositories(db: Db): Promise<Repository[]> {
  return db.selectFrom('repositories').selectAll().orderBy('name').execute()
}

export async function findRepositoryByName(db: Db, name: string): Promise<Repository | undefined> {
  return db.selectFrom('repositories').selectAll().where('name', '=', name).executeTakeFirst()
}

export async function findRepositoryById(db: Db, id: number): Promise<Repository | undefined> {
  return db.selectFrom('repositories').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function insertRepository(db: Db, repository: NewRepository): Promise<number> {
  const row = await db.insertInto('repositories').values(repository).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function updateRepository(db: Db, id: number, changes: RepositoryChanges): Promise<void> {
  await db.updateTable('repositories').set(changes).where('id', '=', id).execute()
}

export async function deleteRepository(db: Db, id: number): Promise<void> {
  await db.deleteFrom('repositories').where('id', '=', id).execute()
}

/** Take the repository for one sync until `until`; false when another sync holds it. */
export async function claimSync(db: Db, id: number, now: number, until: number): Promise<boolean> {
  const result = await db
    .updateTable('repositories')
    .set({ sync_lease_until: until })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('sync_lease_until', 'is', null), eb('sync_lease_until', '<=', now)]))
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

export async function releaseSync(db: Db, id: number): Promise<void> {
  await db.updateTable('repositories').set({ sync_lease_until: null }).where('id', '=', id).execute()
}
