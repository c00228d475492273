import { describeUser, type UserView } from '../domain/users.js'
import type { ReplyElement } from '../protocol/types.js'
import { type AdminOperation, assertName } from './operation.js'

const time = (ms: number) => new Date(ms).toISOString()

/** Where the user's transport sends to, as `destinationOf` picks it. */
function destination(user: UserView): string | undefined {
  if (user.transport === 'email') return user.email ?? undefined
  if (user.transport === 'sms') return user.phone ?? undefined
  return user.email ?? user.phone ?? undefined
}

/** The user's details: never the PIN (only whether there is one), never a code. */
export function userElement(user: UserView): ReplyElement {
  const children: ReplyElement[] = [{ name: 'Transport', text: user.transport }]
  const to = destination(user)
  if (to !== undefined) children.push({ name: 'Destination', text: to })
  children.push(
    { name: 'HasPIN', text: String(user.hasPin) },
    { name: 'Locked', text: String(user.lockedAt !== null) },
    { name: 'FailedLogins', text: String(user.failedLogins) },
  )
  if (user.lockedAt !== null) children.push({ name: 'LockedSince', text: time(user.lockedAt) })
  if (user.device) {
    const device: ReplyElement[] = [{ name: 'Provisioned', text: time(user.device.boundAt) }]
    if (user.device.deviceOs) device.push({ name: 'DeviceOS', text: user.device.deviceOs })
    children.push({ name: 'Device', children: device })
  }
  if (user.pendingCodeExpiresAt !== undefined) children.push({ name: 'ProvisionCodeExpires', text: time(user.pendingCodeExpiresAt) })
  children.push({ name: 'Created', text: time(user.createdAt) })
  return { name: 'User', attrs: { name: user.name }, children }
}

export const read: AdminOperation = {
  name: 'Read',
  async run(services, user) {
    return [userElement(await describeUser(services, assertName(user)))]
  },
}
