import { inTransaction } from '../db/engine.js'
import type { User } from '../db/index.js'
import { deleteProvisionCode, findProvisionCode, replaceProvisionCode } from '../db/repositories/provision-codes.js'
import { findUserByKey, lockUserByKey } from '../db/repositories/users.js'
import { messages } from '../protocol/messages.js'
import { type Keys, keyedHash, randomString } from '../secrets.js'
import { deliverableDestination, queueMessage, withdrawQueued } from '../transports/queue.js'
import { NoDestination, NoMobileRight, TransportNotConfigured, UserNotFound } from './errors.js'
import { holdsNul } from './nul.js'
import { readPolicies } from './policy.js'
import { readDelivery } from './delivery.js'
import { defaultTemplate, provisionMessage } from './provision-message.js'
import type { DeliverySettings, Services } from './services.js'
import { nameKey } from './user-names.js'

/** Upper case without the look-alikes 0 O 1 I L (docs/protocol.md §5). */
export const codeAlphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'
export const codeLength = 10

export interface CreatedCode {
  readonly code: string
  readonly expiresAt: number
  /** Where the code was sent, and the queued message; undefined when it was handed back to print instead. */
  readonly destination: string | undefined
  readonly messageId: number | undefined
}

export function hashProvisionCode(services: Services, code: string): Buffer {
  return keyedHash(services.keys, 'provision-code', code)
}

const decoys = new WeakMap<Keys, Buffer>()

/** What a provision attempt without a pending code is compared against (provisioning.ts). */
export function decoyCodeHash(services: Services): Buffer {
  let hash = decoys.get(services.keys)
  if (!hash) {
    hash = hashProvisionCode(services, randomString(codeAlphabet, codeLength))
    decoys.set(services.keys, hash)
  }
  return hash
}

/**
 * What the admin's "Reprovision" button does (docs/protocol.md §5): a new code replaces any pending one
 * and, unless the caller hands it over in person (`deliver: false`), is queued to the user's
 * transport in the same transaction. Messages still queued with an older code are withdrawn.
 * A user without the mobile right is refused (NoMobileRight): provision would refuse the code.
 */
export async function createProvisionCode(
  services: Services,
  userName: string,
  options: { deliver: boolean },
): Promise<CreatedCode> {
  const { db, log } = services
  const policies = await readPolicies(services)
  const found = holdsNul(userName) ? undefined : await findUserByKey(db, nameKey(userName))
  if (!found) throw new UserNotFound(userName)
  // nothing is created or sent: provision would refuse every code of this user
  if (found.mobile !== 1) throw new NoMobileRight(found.name)
  const delivery = await readDelivery(services)
  const destination = options.deliver ? await assertDeliverable(services, delivery, found) : undefined
  const code = randomString(policies['provision-code-numeric'] ? '0123456789' : codeAlphabet, codeLength)
  const now = services.now()
  const validity = policies['provision-code-validity']
  const expiresAt = now + validity * 1000
  const { user, messageId } = await inTransaction(db, async (trx) => {
    // the user's row first, as every unit that changes a user takes it (postgres/store.ts)
    const user = await lockUserByKey(trx, nameKey(userName))
    if (!user) throw new UserNotFound(userName)
    await replaceProvisionCode(trx, {
      user_id: user.id,
      code_hash: hashProvisionCode(services, code),
      created_at: now,
      expires_at: expiresAt,
    })
    await withdrawQueued(trx, user)
    if (destination === undefined) return { user, messageId: undefined }
    const { template = defaultTemplate, site } = delivery
    const message = provisionMessage(template, { user: user.name, code, validity, expiresAt, site })
    return { user, messageId: await queueMessage(services, trx, user, destination, { ...message, expiresAt }) }
  })
  const fields = { user: user.name }
  log.info({ ...fields, event: 'codeCreated' }, messages.codeCreated(user.name))
  if (destination !== undefined) {
    log.info({ ...fields, event: 'messageQueued', destination }, messages.messageQueued(user.name, destination))
  }
  log.info({ ...fields, event: 'canReprovision' }, messages.canReprovision(user.name))
  if (destination !== undefined) services.onMessageQueued?.()
  return { code, expiresAt, destination, messageId }
}

/**
 * The user's destination, or the refusal: a reprovision nobody can receive fails, and, as
 * reprovisioning means "start over", leaves no code pending, neither a new one nor an older one.
 */
async function assertDeliverable(services: Services, delivery: DeliverySettings, user: User): Promise<string> {
  try {
    return deliverableDestination(delivery, user)
  } catch (err) {
    if (!(err instanceof NoDestination || err instanceof TransportNotConfigured)) throw err
    const withdrawn = await inTransaction(services.db, async (trx) => {
      await lockUserByKey(trx, nameKey(user.name))
      const pending = await findProvisionCode(trx, user.id)
      if (pending) await deleteProvisionCode(trx, user.id)
      await withdrawQueued(trx, user, 'withdrawn: the user cannot receive provision codes')
      return pending !== undefined
    })
    services.log.warn(
      { user: user.name, event: 'noDestination', transport: user.transport, withdrawnCode: withdrawn },
      `Provision code not created for user "${user.name}": ${undeliverableReason(err)}`,
    )
    throw err
  }
}

export function undeliverableReason(err: NoDestination | TransportNotConfigured): string {
  if (err instanceof TransportNotConfigured) return `the ${err.transport} transport is not configured`
  return `no ${err.transport === 'sms' ? 'phone number' : 'email address'} for the ${err.transport} transport`
}
