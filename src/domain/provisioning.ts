import type { ProvisionView, ProvisionWrites } from '../db/index.js'
import { ProvisionFailure } from '../protocol/errors.js'
import { messages } from '../protocol/messages.js'
import { randomHex, safeEqual } from '../secrets.js'
import { loggedDeviceInfo, storedDeviceInfo } from './device-info.js'
import { decoyCodeHash, hashProvisionCode } from './provision-code.js'
import { policiesFrom } from './policy.js'
import type { Services } from './services.js'
import { hashProvisionId } from './security-strings.js'
import { nameKey } from './user-names.js'

export interface ProvisionRequest {
  readonly user: string
  readonly code: string
  readonly deviceOs: string | undefined
  readonly pushId: string | undefined
  readonly userAgent: string | undefined
  /** Where the attempt comes from: attempts are limited per address and per user. */
  readonly address: string
}

/** The window of the provision attempt limits (the policies say how many). */
export const attemptWindowMs = 15 * 60_000

type Reason = 'too many attempts for this user' | 'too many attempts from this address' | 'unknown user' | 'no mobile right' | 'no pending code' | 'wrong code' | 'expired code'
/** `name`: the user's name as stored, when there is such a user (the log names them so). */
type Outcome = { ok: true; id: string; name: string; logDevice: boolean } | { ok: false; reason: Reason; name: string | undefined }

/**
 * Redeem a provision code and bind a new device (docs/protocol.md §3.1). Every failure is the same
 * PROVISION_FAILURE on the wire; the reason goes only to the log.
 */
export async function provisionDevice(services: Services, request: ProvisionRequest): Promise<string> {
  const presented = hashProvisionCode(services, request.code)
  const key = nameKey(request.user)
  const now = services.now()
  const limits = [
    { key: `provision:user:${key}`, windowMs: attemptWindowMs, now },
    { key: `provision:address:${request.address}`, windowMs: attemptWindowMs, now },
  ]
  const outcome = await services.store.provision(key, limits, (view, writes) => redeem(services, request, presented, view, writes))
  if (!outcome.ok) throw failure(outcome.name ?? request.user, outcome.name !== undefined, outcome.reason)
  const device = outcome.logDevice
    ? { deviceOs: loggedDeviceInfo(request.deviceOs), pushId: loggedDeviceInfo(request.pushId), userAgent: loggedDeviceInfo(request.userAgent) }
    : {}
  services.log.info({ user: outcome.name, event: 'provisioned', ...device }, messages.provisioned(outcome.name))
  return outcome.id
}

/**
 * The decision. A provision attempt consumes the code, right or wrong (Mobile Provision Code).
 * A name no user has, or a user without the mobile right, takes the same road against a decoy:
 * a code is consumed (of id 0, so none) and a hash compared in constant time, so the reply
 * comes no sooner than for a wrong code (no user enumeration by stopwatch).
 */
function redeem(services: Services, request: ProvisionRequest, presented: Buffer, view: ProvisionView, writes: ProvisionWrites): Outcome {
  const { user, pending } = view
  // past a limit the attempt is refused before it touches the code: codes cannot be voided in bulk
  const limited = overLimit(view)
  if (limited) return { ok: false, reason: limited, name: user?.name }
  const eligible = user !== undefined && user.mobile === 1
  writes.consumeCode(eligible ? user.id : 0)
  const expected = eligible && pending ? pending.code_hash : decoyCodeHash(services)
  const match = safeEqual(expected, presented)
  if (!user) return { ok: false, reason: 'unknown user', name: undefined }
  const { name } = user
  if (!eligible) return { ok: false, reason: 'no mobile right', name }
  if (!pending) return { ok: false, reason: 'no pending code', name }
  if (!match) return { ok: false, reason: 'wrong code', name }
  if (pending.expires_at <= services.now()) return { ok: false, reason: 'expired code', name }
  const id = randomHex(16)
  const deviceOs = storedDeviceInfo(request.deviceOs)
  const pushId = storedDeviceInfo(request.pushId)
  writes.bindDevice({ userId: user.id, idHash: hashProvisionId(services, id), deviceOs, pushId, now: services.now() })
  return { ok: true, id, name, logDevice: policiesFrom(view.settings)['log-device-info'] }
}

function overLimit(view: ProvisionView): Reason | undefined {
  const policies = policiesFrom(view.settings)
  const [byUser = 0, byAddress = 0] = view.hits
  const over = (hits: number, max: number) => max > 0 && hits > max
  if (over(byUser, policies['provision-attempts-per-user'])) return 'too many attempts for this user'
  if (over(byAddress, policies['provision-attempts-per-address'])) return 'too many attempts from this address'
  return undefined
}

function failure(user: string, known: boolean, reason: Reason): ProvisionFailure {
  if (reason === 'unknown user' || reason === 'no mobile right') {
    return new ProvisionFailure({ event: 'noAuthMethod', level: 'warn', message: messages.noAuthMethod(user), fields: { user, reason } })
  }
  // a user's own failures within the attempt limits, few by the policy, each keep their audit row
  // (`known`, audit-flood.ts); past a limit they are the flood that is counted
  const limited = reason === 'too many attempts for this user' || reason === 'too many attempts from this address'
  const fields = known && !limited ? { user, reason, known: true } : { user, reason }
  return new ProvisionFailure({ event: 'provisionFailed', level: 'warn', message: messages.provisionFailed(user), fields })
}
