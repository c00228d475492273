import { findProvisionCode } from '../db/repositories/provision-codes.js'
import { findDeviceByUser } from '../db/repositories/devices.js'
import { inTransaction } from '../db/engine.js'
import { deleteUserById, findUserByKey, findUserByName, insertUser, listUsers, updateUser } from '../db/repositories/users.js'
import type { User } from '../db/schema/index.js'
import { sealPin } from './pin-seal.js'
import { transportNames, withdrawQueued } from '../transports/queue.js'
import { defaultTransport } from './default-transport.js'
import { groupsOfUser } from './directory-plan.js'
import { isPlainEmailAddress } from './email-address.js'
import { refuseLookAlike } from './look-alike-users.js'
import { nameSkeleton } from './name-skeleton.js'
import { InvalidInput, UserExists, UserNotFound } from './errors.js'
import { checkNewPin } from './pin-rules.js'
import { checkChosenPin, pinExpiresAt, pinFields } from './pins.js'
import { lockState, unlocksAt } from './lockout.js'
import { readPolicies } from './policy.js'
import type { Services } from './services.js'
import { holdsNul } from './nul.js'
import { checkUserName, nameKey } from './user-names.js'

export { checkUserName }
import { sourceOf } from './user-source.js'

export interface UserInput {
  readonly name: string
  readonly pin?: string | undefined
  readonly email?: string | undefined
  readonly phone?: string | undefined
  readonly transport?: string | undefined
}

export interface UserView {
  readonly name: string
  readonly transport: string
  readonly email: string | null
  readonly phone: string | null
  readonly hasPin: boolean
  /** When the PIN was set (unknown for a PIN set before agentxml recorded it), and when it expires. */
  readonly pinSetAt: number | null
  readonly pinExpiresAt: number | undefined
  readonly mobile: boolean
  readonly failedLogins: number
  /** Set only while the user is locked: a lock past "Account lockout time" has lapsed. */
  readonly lockedAt: number | null
  /** When the lock lapses; undefined while only an administrator can unlock. */
  readonly unlocksAt: number | undefined
  readonly device: { readonly boundAt: number; readonly deviceOs: string | null } | undefined
  readonly pendingCodeExpiresAt: number | undefined
  readonly createdAt: number
  /** "local", or the user repository the user is synchronised from. */
  readonly source: string
  /** The directory groups read at the last sync (RADIUS's --groups); none for a local user. */
  readonly groups: readonly string[]
}

/** The transport the user would have, checked with their addresses; none given: the default rule (default-transport.ts). */
export function checkTransport(input: UserInput): string {
  const transport = input.transport ?? defaultTransport(input)
  if (!(transportNames as readonly string[]).includes(transport)) {
    throw new InvalidInput(`transport must be one of ${transportNames.join(', ')}, not "${transport}"`)
  }
  if (input.email !== undefined && !isPlainEmailAddress(input.email)) {
    throw new InvalidInput(`${JSON.stringify(input.email.slice(0, 256))} is not an email address (a plain address, name@example.com)`)
  }
  if (input.phone !== undefined && !/^\+?[0-9 ()-]{3,32}$/.test(input.phone)) {
    throw new InvalidInput(`"${input.phone}" is not a phone number`)
  }
  return transport
}

export { keysOpenPin, openPin, sealPin } from './pin-seal.js'

/** Adds the user; the name as stored (trimmed, NFC) and the new row's id. */
export async function addUserWithId(services: Services, input: UserInput): Promise<{ name: string; id: number }> {
  const name = checkUserName(input.name)
  const transport = checkTransport(input)
  const now = services.now()
  const pin = input.pin === undefined ? null : sealPin(services, name, checkNewPin(input.pin, await readPolicies(services)))
  const id = await inTransaction(services.db, async (trx) => {
    const existing = await findUserByKey(trx, nameKey(name))
    if (existing) throw new UserExists(name, existing.name)
    await refuseLookAlike(trx, name)
    return insertUser(trx, {
      name,
      name_key: nameKey(name),
      name_skeleton: nameSkeleton(name),
      pin,
      pin_set_at: pin === null ? null : now,
      email: input.email ?? null,
      phone: input.phone ?? null,
      transport,
      mobile: 1,
      created_at: now,
    })
  })
  return { name, id }
}

/** Adds the user and returns the name as stored (trimmed, NFC). */
export async function addUser(services: Services, input: UserInput): Promise<string> {
  return (await addUserWithId(services, input)).name
}

export async function requireUser(services: Services, name: string): Promise<User> {
  const user = holdsNul(name) ? undefined : await findUserByName(services.db, name.trim(), nameKey(name))
  if (!user) throw new UserNotFound(name)
  return user
}

/** Set a PIN chosen for the user: the rules of a new PIN (pin-rules.ts) and the history (pins.ts). */
export async function setPin(services: Services, name: string, pin: string): Promise<void> {
  const user = await requireUser(services, name)
  checkChosenPin(services, user, pin, await readPolicies(services))
  await inTransaction(services.db, async (trx) => {
    await updateUser(trx, user.id, pinFields(services, user, pin, services.now()))
    await withdrawQueued(trx, user, 'superseded by a newer PIN', 'pin')
  })
}

export async function unlockUser(services: Services, name: string): Promise<void> {
  const user = await requireUser(services, name)
  await updateUser(services.db, user.id, { failed_logins: 0, locked_at: null })
}

export async function deleteUser(services: Services, name: string): Promise<void> {
  const user = await requireUser(services, name)
  if (!(await deleteUserById(services.db, user.id))) throw new UserNotFound(name)
}

export async function describeUser(services: Services, name: string): Promise<UserView> {
  const user = await requireUser(services, name)
  const device = await findDeviceByUser(services.db, user.id)
  const code = await findProvisionCode(services.db, user.id)
  const policies = await readPolicies(services)
  const lock = lockState(user, policies, services.now())
  return {
    name: user.name,
    transport: user.transport,
    email: user.email,
    phone: user.phone,
    hasPin: user.pin !== null,
    pinSetAt: user.pin === null ? null : user.pin_set_at,
    pinExpiresAt: pinExpiresAt(user, policies),
    mobile: user.mobile === 1,
    // a lapsed lock is cleared, with the count, by the user's next login (domain/login.ts)
    failedLogins: lock === 'lapsed' ? 0 : user.failed_logins,
    lockedAt: lock === 'locked' ? user.locked_at : null,
    unlocksAt: lock === 'locked' ? unlocksAt(user, policies) : undefined,
    device: device && { boundAt: device.created_at, deviceOs: device.device_os },
    pendingCodeExpiresAt: code && code.expires_at > services.now() ? code.expires_at : undefined,
    createdAt: user.created_at,
    source: await sourceOf(services, user),
    groups: groupsOfUser(user),
  }
}

export async function userList(services: Services, search?: string): Promise<User[]> {
  return listUsers(services.db, search === undefined ? {} : { search })
}
