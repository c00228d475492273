import type { SelectQueryBuilder } from 'kysely'
import { containsText } from '../engine.js'
import type { Database, Db } from '../index.js'

/** A row of the console's user list: the user with their device and pending code, if any. */
export interface DirectoryEntry {
  readonly name: string
  readonly transport: string
  readonly email: string | null
  readonly phone: string | null
  readonly locked_at: number | null
  readonly device_bound_at: number | null
  readonly device_os: string | null
  readonly code_expires_at: number | null
}

function matching<O>(db: Db, query: SelectQueryBuilder<Database, 'users', O>, search: string | undefined) {
  if (!search) return query
  return query.where((eb) => eb.or(['users.name', 'users.email', 'users.phone'].map((column) => containsText(db, column, search))))
}

/** One page of users by name, `search` matching anywhere in the name, email address or phone number. */
export async function pageUsers(db: Db, search: string | undefined, limit: number, offset: number): Promise<DirectoryEntry[]> {
  const query = db
    .selectFrom('users')
    .leftJoin('devices', 'devices.user_id', 'users.id')
    .leftJoin('provision_codes', 'provision_codes.user_id', 'users.id')
    .select([
      'users.name',
      'users.transport',
      'users.email',
      'users.phone',
      'users.locked_at',
      'devices.created_at as device_bound_at',
      'devices.device_os',
      'provision_codes.expires_at as code_expires_at',
    ])
  return matching(db, query, search).orderBy('users.name').limit(limit).offset(offset).execute()
}

export async function countUsers(db: Db, search: string | undefined): Promise<number> {
  const query = db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('count'))
  const row = await matching(db, query, search).executeTakeFirst()
  return Number(row?.count ?? 0)
}
