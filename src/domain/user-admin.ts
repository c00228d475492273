import { updateUser, type UserChanges } from '../db/repositories/users.js'
import { inTransaction } from '../db/engine.js'
import type { User } from '../db/schema/index.js'
import { withdrawQueued } from '../transports/queue.js'
import { adminMessages } from './admin-messages.js'
import { defaultTransport, reaches } from './default-transport.js'
import { InvalidInput } from './errors.js'
import { createProvisionCode, type CreatedCode } from './provision-code.js'
import type { Services } from './services.js'
import { assertNotDirectoryOwned } from './user-source.js'
import { sendPinsOnCreate, supersededByPin } from './pin-issue.js'
import { checkChosenPin, type PinFields, pinFields } from './pins.js'
import { readPolicies } from './policy.js'
import { addUserWithId, checkTransport, deleteUser, requireUser, unlockUser, type UserInput } from './users.js'

/**
 * The user operations of the command line, the admin console and AdminXML: one set of rules for
 * adding and for changing a user, and a log line naming the change, so each reaches the audit
 * log with who did it.
 */

/** What to change; `undefined` leaves a value as it is, `null` removes it. */
export interface UserChangesInput {
  readonly pin?: string | null | undefined
  readonly transport?: string | undefined
  readonly email?: string | null | undefined
  readonly phone?: string | null | undefined
}

/** A user whose transport cannot reach them is refused up front, not when a code is due. */
function assertReachable(input: UserInput): void {
  const transport = input.transport ?? defaultTransport(input)
  if (reaches(transport, input)) return
  throw new InvalidInput(transport === 'sms' ? 'the sms transport needs a phone number' : 'the email transport needs an email address')
}

const blankToUndefined = (value: string | null | undefined) => (value === undefined || value === null || value.trim() === '' ? undefined : value.trim())

/** Validate as a whole what the user would be: transport, addresses and whether they reach the user. */
export function checkUser(input: UserInput): string {
  const transport = checkTransport(input)
  assertReachable({ ...input, transport })
  return transport
}

export async function createUser(services: Services, input: UserInput): Promise<string> {
  const cleaned: UserInput = {
    name: input.name,
    pin: blankToUndefined(input.pin),
    email: blankToUndefined(input.email),
    phone: blankToUndefined(input.phone),
    transport: blankToUndefined(input.transport),
  }
  checkUser(cleaned)
  const { name, id } = await addUserWithId(services, cleaned)
  services.log.info({ user: name, event: 'userAdded' }, adminMessages.userAdded(name))
  // a user added without a PIN is sent one (send-pin-on-create): nobody logs in without a PIN
  if (cleaned.pin === undefined) await sendPinsOnCreate(services, [id], 'new user')
  return name
}

/** An address after the change: kept when not given, removed when null, else checked as given. */
const next = (given: string | null | undefined, current: string | null) =>
  given === undefined ? (current ?? undefined) : given === null ? undefined : given.trim()

/** Change what is given and leave the rest; validated as a whole before anything is written. Returns what changed. */
export async function updateUserDetails(services: Services, name: string, changes: UserChangesInput): Promise<string[]> {
  const user = await requireUser(services, name)
  await assertNotDirectoryOwned(services, user, changes)
  const merged: UserInput = {
    name: user.name,
    transport: changes.transport === undefined ? user.transport : changes.transport.trim(),
    email: next(changes.email, user.email),
    phone: next(changes.phone, user.phone),
  }
  checkUser(merged)
  const pin =
    changes.pin === undefined || changes.pin === null
      ? changes.pin
      : pinFields(services, user, checkChosenPin(services, user, changes.pin, await readPolicies(services)), services.now())
  const update = changed(user, merged, pin)
  const what = describe(update)
  if (what.length === 0) return what
  await inTransaction(services.db, async (trx) => {
    await updateUser(trx, user.id, update)
    // a message with the PIN it replaces, still queued, would tell the user a PIN that no longer works
    if (update.pin !== undefined) await withdrawQueued(trx, user, supersededByPin, 'pin')
  })
  // names only: the log never carries the PIN
  services.log.info({ user: user.name, event: 'userUpdated', changed: what }, adminMessages.userUpdated(user.name, what.join(', ')))
  return what
}

/** Only what differs: a form sends every field, and an unchanged one is not a change. */
function changed(user: User, merged: UserInput, pin: PinFields | null | undefined): UserChanges {
  const update: { -readonly [K in keyof UserChanges]: UserChanges[K] } = {}
  if (merged.transport !== user.transport) update.transport = merged.transport
  if ((merged.email ?? null) !== user.email) update.email = merged.email ?? null
  if ((merged.phone ?? null) !== user.phone) update.phone = merged.phone ?? null
  // removing a PIN the user does not have changes nothing; a new one always does (it is never compared)
  if (pin === null && user.pin !== null) Object.assign(update, { pin: null, pin_set_at: null, pin_reminded_at: null })
  if (pin) Object.assign(update, pin)
  return update
}

function describe(update: UserChanges): string[] {
  const what: string[] = []
  if (update.transport !== undefined) what.push('transport')
  if (update.email !== undefined) what.push(update.email === null ? 'email removed' : 'email')
  if (update.phone !== undefined) what.push(update.phone === null ? 'phone removed' : 'phone')
  if (update.pin !== undefined) what.push(update.pin === null ? 'PIN removed' : 'PIN')
  return what
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
