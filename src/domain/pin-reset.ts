import { inTransaction } from '../db/engine.js'
import { replacePinResetCode, takePinResetCode } from '../db/repositories/pin-reset-codes.js'
import { findUserByKey, lockUserByKey, updateUser } from '../db/repositories/users.js'
import { messages, quoted } from '../protocol/messages.js'
import { keyedHash, randomString, safeEqual } from '../secrets.js'
import { deliverableDestination, queueMessage, withdrawQueued } from '../transports/queue.js'
import { readDelivery } from './delivery.js'
import { NoDestination, TransportNotConfigured } from './errors.js'
import { pinResetTemplate } from './pin-message.js'
import { pinFields, usedRecently } from './pins.js'
import { readPolicies } from './policy.js'
import { codeAlphabet, codeLength, undeliverableReason } from './provision-code.js'
import { describeDuration, fillTemplate } from './provision-message.js'
import type { Services } from './services.js'
import { nameKey } from './user-names.js'

/**
 * Reset PIN, self-service (`/reset/resetpin.jsp`, policy `self-reset-pin`): a user who forgot
 * their PIN asks for a reset code, which goes by their own transport; with it they choose a new
 * PIN. The old PIN keeps working until then, so a stranger who asks locks nobody out. A code is
 * single use (an attempt takes it, right or wrong, as a provision attempt does), kept only as a
 * keyed hash, and valid for `pin-reset-code-validity` seconds. The page shows the same thing
 * whatever happened; the real outcome is in the log only.
 */
const hashOf = (services: Services, code: string) => keyedHash(services.keys, 'pin-reset-code', code)

/** A reset code for the user, sent by their transport; "sent", or why not (what the log says). */
export async function requestPinReset(services: Services, name: string): Promise<string> {
  const { log } = services
  const policies = await readPolicies(services)
  if (!policies['self-reset-pin']) return 'not enabled'
  const user = await findUserByKey(services.db, nameKey(name))
  let refusal = !user ? 'unknown user' : user.mobile !== 1 ? 'no mobile right' : undefined
  let destination: string | undefined
  const delivery = await readDelivery(services)
  if (user && refusal === undefined) {
    try {
      destination = deliverableDestination(delivery, user)
    } catch (err) {
      if (!(err instanceof NoDestination || err instanceof TransportNotConfigured)) throw err
      refusal = undeliverableReason(err)
    }
  }
  if (!user || destination === undefined) {
    log.warn({ user: name, event: 'pinResetRefused', reason: refusal }, `PIN reset code not sent to user ${quoted(name)}: ${refusal}`)
    return refusal ?? 'unknown user'
  }
  log.info({ user: user.name, event: 'pinResetRequested', by: 'user' }, `PIN reset code requested for user ${quoted(user.name)}`)
  const code = randomString(codeAlphabet, codeLength)
  const now = services.now()
  const validity = policies['pin-reset-code-validity']
  const expiresAt = now + validity * 1000
  const reset = `${delivery.pages ?? ''}/reset/resetpin.jsp`
  const queued = await inTransaction(services.db, async (trx) => {
    const locked = await lockUserByKey(trx, nameKey(user.name))
    if (!locked) return false
    await replacePinResetCode(trx, { user_id: locked.id, code_hash: hashOf(services, code), created_at: now, expires_at: expiresAt })
    await withdrawQueued(trx, locked, 'superseded by a newer PIN reset code', 'pin-reset')
    const message = fillTemplate(pinResetTemplate, { user: locked.name, code, validity: describeDuration(validity), reset })
    await queueMessage(services, trx, locked, destination, { ...message, expiresAt, kind: 'pin-reset' })
    return true
  })
  if (!queued) return 'unknown user'
  log.info({ user: user.name, event: 'pinResetCodeCreated', by: 'user' }, messages.pinResetCodeCreated(user.name))
  log.info({ user: user.name, event: 'messageQueued', destination }, messages.messageQueued(user.name, destination))
  services.onMessageQueued?.()
  return 'sent'
}

export type PinResetOutcome = 'reset' | 'refused' | 'reused'

/**
 * The new PIN with a reset code. 'refused' for an unknown user, no code, a wrong or expired one,
 * alike; 'reused' (a recent PIN chosen again) only to the holder of a right code, which then
 * stays theirs to try another PIN with. A reset also lifts a lockout: the code proves the user
 * holds their own transport, as an administrator's unlock would ask.
 */
export async function resetPinWithCode(services: Services, name: string, code: string, newPin: string): Promise<PinResetOutcome> {
  const policies = await readPolicies(services)
  const presented = hashOf(services, code.trim().toUpperCase())
  const outcome = await inTransaction(services.db, async (trx) => {
    const user = await lockUserByKey(trx, nameKey(name))
    const pending = user ? await takePinResetCode(trx, user.id) : undefined
    // compared in constant time, against the presented hash itself when there is nothing to compare
    const match = safeEqual(pending?.code_hash ?? Buffer.alloc(32), presented) && pending !== undefined
    if (!user || !pending || !match || pending.expires_at <= services.now()) {
      return { result: 'refused' as const, user: user?.name ?? name, reason: !user ? 'unknown user' : !pending ? 'no pending code' : !match ? 'wrong code' : 'expired code' }
    }
    if (usedRecently(services, user, newPin, policies['pin-history'])) {
      // a right code: it stays, for another PIN
      await replacePinResetCode(trx, pending)
      return { result: 'reused' as const, user: user.name, reason: 'a recent PIN chosen again' }
    }
    await updateUser(trx, user.id, { ...pinFields(services, user, newPin, services.now()), failed_logins: 0, locked_at: null })
    await withdrawQueued(trx, user, 'superseded by a newer PIN', 'pin')
    return { result: 'reset' as const, user: user.name, reason: undefined }
  })
  const fields = { user: outcome.user, by: 'user' }
  if (outcome.result === 'reset') services.log.info({ ...fields, event: 'pinReset', reason: 'reset code' }, messages.pinReset(outcome.user))
  else services.log.warn({ ...fields, event: 'pinResetFailed', reason: outcome.reason }, messages.pinResetFailed(outcome.user, outcome.reason ?? ''))
  return outcome.result
}

