import { findUserByKey } from '../db/repositories/users.js'
import { quoted } from '../protocol/messages.js'
import { deliverableDestination } from '../transports/queue.js'
import { readDelivery } from './delivery.js'
import { DomainError, NoDestination, TransportNotConfigured } from './errors.js'
import { createProvisionCode, undeliverableReason } from './provision-code.js'
import { readPolicies } from './policy.js'
import type { Services } from './services.js'
import { nameKey } from './user-names.js'

/**
 * A user asks for a provision code on the self-service page (docs/protocol.md §5). When the policy allows
 * it, a code is created and sent like the admin's Reprovision. The caller shows the same page
 * whatever happened; the real outcome goes to the log only. Unlike Reprovision, a request that
 * cannot be delivered changes nothing: anyone may type any user name here. Returns "sent", or
 * why not (what the log says).
 */
export async function selfProvision(services: Services, name: string): Promise<string> {
  const { db, log } = services
  const policies = await readPolicies(services)
  if (!policies['self-provision']) return 'not enabled'
  const user = await findUserByKey(db, nameKey(name))
  let refusal: string | undefined
  if (!user) refusal = 'unknown user'
  else if (user.mobile !== 1) refusal = 'no mobile right'
  else {
    try {
      deliverableDestination(await readDelivery(services), user)
    } catch (err) {
      if (!(err instanceof NoDestination || err instanceof TransportNotConfigured)) throw err
      refusal = undeliverableReason(err)
    }
  }
  if (refusal !== undefined || !user) {
    log.warn({ user: name, event: 'selfProvisionRefused', reason: refusal }, `Self-service provision code not sent to user ${quoted(name)}: ${refusal}`)
    return refusal ?? 'unknown user'
  }
  log.info({ user: user.name, event: 'selfProvisionRequested' }, `Self-service provision code requested for user ${quoted(user.name)}`)
  try {
    await createProvisionCode(services, user.name, { deliver: true })
  } catch (err) {
    // the user changed between the look-up and now (deleted, destination removed)
    if (!(err instanceof DomainError)) throw err
    log.warn({ user: user.name, event: 'selfProvisionRefused', reason: err.message }, `Self-service provision code not sent to user ${quoted(user.name)}: ${err.message}`)
    return err.message
  }
  return 'sent'
}
