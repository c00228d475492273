import { findRepositoryById } from '../db/repositories/repositories.js'
import type { User } from '../db/schema/index.js'
import { InvalidInput } from './errors.js'
import type { Services } from './services.js'

/** Where a user comes from, in words: "local", or the repository and the state of the entry there. */
export async function sourceOf(services: Services, user: User): Promise<string> {
  if (user.repository_id === null) return 'local (added by hand or imported)'
  const repository = await findRepositoryById(services.db, user.repository_id)
  const states = [
    ...(user.directory_disabled ? ['disabled in the directory'] : []),
    ...(user.removed_at !== null ? [`removed from the directory ${new Date(user.removed_at).toISOString().slice(0, 19)}Z, deleted after the grace period`] : []),
  ]
  return `user repository "${repository?.name ?? user.repository_id}"${user.directory_dn ? ` (${user.directory_dn})` : ''}${states.length ? `; ${states.join('; ')}` : ''}`
}

/** Email and phone of a directory user belong to the directory: the next sync would undo a local change. */
export async function assertNotDirectoryOwned(
  services: Services,
  user: User,
  changes: { email?: string | null | undefined; phone?: string | null | undefined },
): Promise<void> {
  if (user.repository_id === null) return
  // null (remove) and '' both mean no value
  const differs = (given: string | null | undefined, current: string | null) => given !== undefined && (given ?? '') !== (current ?? '')
  const owned = [...(differs(changes.email, user.email) ? ['email address'] : []), ...(differs(changes.phone, user.phone) ? ['phone number'] : [])]
  if (owned.length === 0) return
  const repository = await findRepositoryById(services.db, user.repository_id)
  throw new InvalidInput(
    `the ${owned.join(' and ')} of user "${user.name}" come${owned.length === 1 ? 's' : ''} from user repository "${repository?.name ?? user.repository_id}": change ${owned.length === 1 ? 'it' : 'them'} in the directory`,
  )
}
