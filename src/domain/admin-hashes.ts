import { listAdmins, replaceAdminHash } from '../db/repositories/admins.js'
import { findMeta, recordMeta } from '../db/repositories/meta.js'
import { adminMessages } from './admin-messages.js'
import { keyLegacyHash } from './passwords.js'
import type { Services } from './services.js'

const doneKey = 'admin-hashes-keyed'

/**
 * Key the unkeyed administrator hashes of an earlier version, once per database (issue #25,
 * item 9). No password is needed: the keyed hash is a MAC of the unkeyed one. Once done (a
 * `meta` row says so) an unkeyed hash is never keyed again, so one written into the database
 * or a backup later, without the master key, never signs in.
 */
export async function keyAdminHashes(services: Services): Promise<number> {
  if ((await findMeta(services.db, doneKey)) !== undefined) return 0
  let keyed = 0
  for (const admin of await listAdmins(services.db)) {
    const hash = keyLegacyHash(admin.password_hash, services.keys)
    if (hash === undefined) continue
    await replaceAdminHash(services.db, admin.id, admin.password_hash, hash)
    keyed++
  }
  await recordMeta(services.db, doneKey, new Date(services.now()).toISOString())
  // a warning: on stderr from a command, so that its output (--json) stays what scripts read
  if (keyed > 0) services.log.warn({ event: 'adminHashesKeyed', count: keyed }, adminMessages.adminHashesKeyed(keyed))
  return keyed
}
