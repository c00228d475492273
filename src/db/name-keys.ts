import { type Kysely, sql } from 'kysely'

/**
 * Migration 005's matching key for the users already there: the name in NFC, lower-cased (the
 * rule of that migration, frozen here; new users get theirs from the domain). Two names that
 * fold to one key keep the key for the older user only; the other is listed and can be
 * renamed or deleted, but no longer matches at login.
 */
export async function fillNameKeys(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ id: number; name: string }>`SELECT id, name FROM users ORDER BY id`.execute(db)
  const taken = new Set<string>()
  for (const { id, name } of rows) {
    const key = name.normalize('NFC').toLowerCase()
    if (taken.has(key)) continue
    taken.add(key)
    await sql`UPDATE users SET name_key = ${key} WHERE id = ${id}`.execute(db)
  }
}
