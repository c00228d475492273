import type { Insertable, Updateable } from 'kysely'
import type { Db } from '../index.js'
import type { NasClient } from '../schema/index.js'
import type { NasClientsTable } from '../schema/nas-clients.js'

export type NasChanges = Updateable<Omit<NasClientsTable, 'id' | 'name' | 'created_at'>>

export async function listNasClients(db: Db): Promise<NasClient[]> {
  return db.selectFrom('nas_clients').selectAll().orderBy('name').execute()
}

export async function findNasByName(db: Db, name: string): Promise<NasClient | undefined> {
  return db.selectFrom('nas_clients').selectAll().where('name', '=', name).executeTakeFirst()
}

export async function insertNas(db: Db, nas: Insertable<NasClientsTable>): Promise<number> {
  const row = await db.insertInto('nas_clients').values(nas).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function updateNasById(db: Db, id: number, changes: NasChanges): Promise<void> {
  await db.updateTable('nas_clients').set(changes).where('id', '=', id).execute()
}

/** What `auto` learnt, written once: the update moves the settings version, so every node learns it. */
export async function markMessageAuthenticatorSeen(db: Db, id: number): Promise<void> {
  await db.updateTable('nas_clients').set({ seen_message_authenticator: 1 }).where('id', '=', id).where('seen_message_authenticator', '=', 0).execute()
}

export async function deleteNasByName(db: Db, name: string): Promise<boolean> {
  const result = await db.deleteFrom('nas_clients').where('name', '=', name).executeTakeFirst()
  return result.numDeletedRows > 0n
}
