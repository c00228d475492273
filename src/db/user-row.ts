import type { User } from './schema/index.js'

/**
 * The user's own columns of a row that carries more (the login's read joins the device and its
 * batch), copied by name: `const { …, ...user } = row` took 4 µs a login, a rest object being
 * copied by V8's generic path, where this literal takes 0.15. A column added to `UsersTable`
 * and not here is a type error.
 */
export const userOf = (row: User): User => ({
  id: row.id,
  name: row.name,
  name_key: row.name_key,
  pin: row.pin,
  email: row.email,
  phone: row.phone,
  transport: row.transport,
  mobile: row.mobile,
  failed_logins: row.failed_logins,
  locked_at: row.locked_at,
  created_at: row.created_at,
  repository_id: row.repository_id,
  directory_dn: row.directory_dn,
  directory_disabled: row.directory_disabled,
  removed_at: row.removed_at,
  pin_set_at: row.pin_set_at,
  pin_history: row.pin_history,
  directory_groups: row.directory_groups,
  name_skeleton: row.name_skeleton,
  pin_reminded_at: row.pin_reminded_at,
})
