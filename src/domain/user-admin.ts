import { updateUser, type UserChanges } from '../db/repositories/users.js'
import { inTransaction } from '../db/transaction.js'
import { adminMessages } from './admin-messages.js'
import { InvalidInput } from './errors.js'
import { createProvisionCode, type CreatedCode } from './provision-code.js'
import type { Services } from './services.js'
import { assertNotDirectoryOwned } from './user-source.js'
import { addUser, checkPin, checkTransport, deleteUser, requireUser, sealPin, unlockUser, type UserInput } from './users.js'

/**
 * The user operations of the admin console and AdminXML: the same rules as the command line,
 * plus a log line naming the change, so each reaches the audit log with who did it.
 */

export interface UserChangesInput {
  readonly pin?: string | undefined
  readonly transport?: string | undefined
  readonly email?: string | undefined
  readonly phone?: string | undefined
}

/** A user whose transport cannot reach them is refused up front, not when a code is due. */
function assertReachable(input: UserInput): void {
  const transport = input.transport ?? 'outbox'
  if (transport === 'email' && !input.email) throw new InvalidInput('the email transport needs an email address')
  if (transport === 'sms' && !input.phone) throw new InvalidInput('the sms transport needs a phone number')
}

const blankToUndefined = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim())

export async function createUser(services: Services, input: UserInput): Promise<string> {
  const cleaned: UserInput = {
    name: input.name,
    pin: blankToUndefined(input.pin),
    email: blankToUndefined(input.email),
    phone: blankToUndefined(input.phone),
    transport: blankToUndefined(input.transport),
  }
  assertReachable(cleaned)
  await addUser(services, cleaned)
  const name = input.name.trim()
  services.log.info({ user: name, event: 'userAdded' }, adminMessages.userAdded(name))
  return name
}

/** Change what is given and leave the rest; validated as a whole before anything is written. */
export async function updateUserDetails(services: Services, name: string, changes: UserChangesInput): Promise<void> {
  const user = await requireUser(services, name)
  await assertNotDirectoryOwned(services, user, changes)
  const merged: UserInput = {
    name: user.name,
    transport: changes.transport ?? user.transport,
    email: changes.email ?? user.email ?? undefined,
    phone: changes.phone ?? user.phone ?? undefined,
  }
  checkTransport(merged)
  assertReachable(merged)
  const update: UserChanges = {
    ...(changes.pin !== undefined ? { pin: sealPin(services, user.name, checkPin(changes.pin)) } : {}),
    ...(changes.transport !== undefined ? { transport: changes.transport } : {}),
    ...(changes.email !== undefined ? { email: changes.email } : {}),
    ...(changes.phone !== undefined ? { phone: changes.phone } : {}),
  }
  // names only: the log never carries the PIN
  const changed = Object.keys(update).map((key) => (key === 'pin' ? 'PIN' : key))
  if (changed.length === 0) return
  await inTransaction(services.db, (trx) => updateUser(trx, user.id, update))
  services.log.info({ user: user.name, event: 'userUpdated' }, adminMessages.userUpdated(user.name, changed.join(', ')))
}

export async function removeUser(services: Services, name: string): Promise<void> {
  await deleteUser(services, name)
  services.log.info({ user: name, event: 'userDeleted' }, adminMessages.userDeleted(name))
}

export async function unlockUserAccount(services: Services, name: string): Promise<void> {
  await unlockUser(services, name)
  services.log.info({ user: name, event: 'userUnlocked' }, adminMessages.userUnlocked(name))
}

/** The "Reprovision" button: a new code, queued to the user's transport; it logs its own §8 lines. */
export async function reprovisionUser(services: Services, name: string): Promise<CreatedCode> {
  return createProvisionCode(services, name, { deliver: true })
}
