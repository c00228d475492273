import type { Insertable, Updateable } from 'kysely'
import type { Db } from '../index.js'
import type { Agent } from '../schema/index.js'
import type { AgentsTable } from '../schema/agents.js'

export async function listAgents(db: Db): Promise<Agent[]> {
  return db.selectFrom('agents').selectAll().orderBy('name').execute()
}

export async function findAgentByName(db: Db, name: string): Promise<Agent | undefined> {
  return db.selectFrom('agents').selectAll().where('name', '=', name).executeTakeFirst()
}

export async function insertAgent(db: Db, agent: Insertable<AgentsTable>): Promise<number> {
  const row = await db.insertInto('agents').values(agent).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function deleteAgentByName(db: Db, name: string): Promise<boolean> {
  const result = await db.deleteFrom('agents').where('name', '=', name).executeTakeFirst()
  return result.numDeletedRows > 0n
}

export async function updateAgent(db: Db, id: number, changes: Updateable<Pick<AgentsTable, 'check_password'>>): Promise<void> {
  await db.updateTable('agents').set(changes).where('id', '=', id).execute()
}
