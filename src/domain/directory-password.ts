import { listRepositories } from '../db/repositories/repositories.js'
import { findUserByKey } from '../db/repositories/users.js'
import { nameKey } from './user-names.js'
import type { Repository } from '../db/schema/index.js'
import { checkBind } from '../directory/ldap.js'
import { randomHex } from '../secrets.js'
import { targetOf } from './directory-read.js'
import type { Services } from './services.js'

export type DirectoryPasswordCheck = 'ok' | 'wrong' | 'unavailable'

/** How long a login waits for the directory before the check counts as unavailable. */
const timeoutMs = 5000

/**
 * PINsafe's repository password check: `login` from an agent marked `--check-password` must also
 * carry the user's directory password, verified by binding as the user's entry. Who cannot have
 * a directory password (unknown, local, removed or disabled users; an empty password) gets
 * 'wrong' after the same work: a bind to the directory with a DN no entry has, so the reply
 * takes as long as for a real user. 'unavailable' means the directory could not be asked.
 * The password goes to the directory only, never to a log line or an error.
 */
export async function checkDirectoryPassword(services: Services, userName: string, password: string | undefined): Promise<DirectoryPasswordCheck> {
  const user = await findUserByKey(services.db, nameKey(userName))
  // the same reads for every name: a repository picked from the list, not looked up by id (issue #25, item 14)
  const repositories = await listRepositories(services.db)
  const repository = user?.repository_id ? repositories.find(({ id }) => id === user.repository_id) : undefined
  const usable = user && repository && user.directory_dn && user.removed_at === null && user.directory_disabled === 0 && password
  if (usable) return bind(repository, user.directory_dn as string, password)
  const decoy = repository ?? repositories[0]
  if (!decoy) return 'wrong'
  const outcome = await bind(decoy, `cn=agentxml-no-such-entry-${randomHex(8)},${decoy.base_dn}`, password || randomHex(16))
  return outcome === 'unavailable' ? 'unavailable' : 'wrong'
}

async function bind(repository: Repository, dn: string, password: string): Promise<DirectoryPasswordCheck> {
  return checkBind({ ...targetOf(repository), timeoutMs }, dn, password)
}
