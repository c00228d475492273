import { deleteAdminByName, findAdminByName, listAdmins } from '../db/repositories/admins.js'
import { inTransaction } from '../db/engine.js'
import { adminMessages } from './admin-messages.js'
import { startSession } from './admin-sessions.js'
import { setAdminPassword } from './admins.js'
import { DomainError } from './errors.js'
import type { Services } from './services.js'

/**
 * The console's rules for administrator accounts, on top of admins.ts (which the command line
 * uses as it is): an administrator cannot delete their own account, and the last one is never
 * deleted, so the console cannot lock everyone out of itself.
 */

export const ownAccountRefused = 'you cannot delete your own account; another administrator can'

export async function removeAdmin(services: Services, name: string, signedInAs: string): Promise<void> {
  if (name === signedInAs) throw new DomainError(ownAccountRefused)
  // counted and deleted in one transaction: two administrators deleting each other at once leave one
  await inTransaction(services.db, async (trx) => {
    const admins = await listAdmins(trx)
    if (!admins.some((admin) => admin.name === name)) throw new DomainError(`administrator "${name}" not found`)
    if (admins.length <= 1) throw new DomainError(`administrator "${name}" is the last one and cannot be deleted`)
    await deleteAdminByName(trx, name)
  })
  services.log.info({ target: name, event: 'adminDeleted' }, adminMessages.adminDeleted(name))
}

/**
 * A new password, which ends every session of that administrator (admins.ts). When it is the
 * signed-in administrator's own, a new session is returned so they stay signed in where they are.
 */
export async function resetAdminPassword(services: Services, name: string, password: string, signedInAs: string): Promise<string | undefined> {
  await setAdminPassword(services, name, password)
  if (name !== signedInAs) return undefined
  const admin = await findAdminByName(services.db, name)
  return admin ? startSession(services, admin) : undefined
}

/** Whether anyone can sign in to the console yet (the sign-in page says how to add the first). */
export async function hasAdmins(services: Services): Promise<boolean> {
  return (await listAdmins(services.db)).length > 0
}
