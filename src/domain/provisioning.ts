import { replaceDevice } from '../db/repositories/devices.js'
import { takeProvisionCode } from '../db/repositories/provision-codes.js'
import { findUserByName } from '../db/repositories/users.js'
import { inWriteBatch } from '../db/sync.js'
import { ProvisionFailure } from '../protocol/errors.js'
import { messages } from '../protocol/messages.js'
import { randomHex, safeEqual } from '../secrets.js'
import { hashProvisionCode } from './provision-code.js'
import { policiesOf } from './policy.js'
import type { Services } from './services.js'
import { hashProvisionId } from './security-strings.js'

export interface ProvisionRequest {
  readonly user: string
  readonly code: string
  readonly deviceOs: string | undefined
  readonly pushId: string | undefined
  readonly userAgent: string | undefined
}

type Outcome = { ok: true; id: string } | { ok: false; reason: 'no pending code' | 'wrong code' | 'expired code' }

/**
 * Redeem a provision code and bind a new device (spec §3.1). Every failure is the same
 * PROVISION_FAILURE on the wire; the reason goes only to the log.
 */
export async function provisionDevice(services: Services, request: ProvisionRequest): Promise<string> {
  const { db, log } = services
  const presented = hashProvisionCode(services, request.code)
  const user = await findUserByName(db, request.user)
  if (!user || user.mobile !== 1) {
    throw new ProvisionFailure({
      event: 'noAuthMethod',
      level: 'warn',
      message: messages.noAuthMethod(request.user),
      fields: { user: request.user, reason: user ? 'no mobile right' : 'unknown user' },
    })
  }
  const outcome = await inWriteBatch(db, (sql): Outcome => {
    // a provision attempt consumes the code, right or wrong (Mobile Provision Code)
    const pending = takeProvisionCode(sql, user.id)
    if (!pending) return { ok: false, reason: 'no pending code' }
    if (!safeEqual(pending.code_hash, presented)) return { ok: false, reason: 'wrong code' }
    if (pending.expires_at <= services.now()) return { ok: false, reason: 'expired code' }
    const id = randomHex(16)
    replaceDevice(sql, {
      user_id: user.id,
      id_hash: hashProvisionId(services, id),
      device_os: request.deviceOs ?? null,
      push_id: request.pushId ?? null,
      created_at: services.now(),
    })
    return { ok: true, id }
  })
  if (!outcome.ok) {
    throw new ProvisionFailure({
      event: 'provisionFailed',
      level: 'warn',
      message: messages.provisionFailed(user.name),
      fields: { user: user.name, reason: outcome.reason },
    })
  }
  const device = policiesOf(services)['log-device-info']
    ? { deviceOs: request.deviceOs, pushId: request.pushId, userAgent: request.userAgent }
    : {}
  log.info({ user: user.name, event: 'provisioned', ...device }, messages.provisioned(user.name))
  return outcome.id
}
