import { messages } from '../protocol/messages.js'
import { checkCode, LoginRefused } from './login.js'
import { checkNewPin } from './pin-rules.js'
import { pinFields, usedRecently } from './pins.js'
import { readPolicies } from './policy.js'
import type { Services } from './services.js'

/**
 * Change PIN, self-service (`/reset/changepin.jsp`): the user proves who they are with a current
 * one-time code from the mobile app, checked exactly as `login` checks it (the string burnt, a
 * wrong code counted towards the lockout, a locked user refused), and the new PIN is sealed in
 * the same unit: of two changes with one code exactly one happens. An expired PIN still makes a
 * code here: this page is the way out of an expiry.
 *
 * 'refused' is all the page says of a failure, so that it never tells whether the user exists;
 * 'reused' is said only to the holder of a right code (it names a rule about their own PINs).
 */
export type PinChangeOutcome = 'changed' | 'refused' | 'reused'

export async function changePinWithCode(services: Services, name: string, otc: string, newPin: string): Promise<PinChangeOutcome> {
  const policies = await readPolicies(services)
  checkNewPin(newPin, policies)
  const depth = policies['pin-history']
  try {
    const { user, value } = await checkCode(services, { user: name, otc, allowExpiredPin: true }, (user, writes) => {
      if (usedRecently(services, user, newPin, depth)) return 'reused' as const
      writes.setPin(user.id, pinFields(services, user, newPin, services.now()))
      return 'changed' as const
    })
    if (value === 'changed') services.log.info({ user, event: 'pinChanged', by: 'user' }, messages.pinChanged(user))
    else services.log.warn({ user, event: 'pinChangeFailed', by: 'user', reason: 'a recent PIN chosen again' }, messages.pinChangeFailed(user, 'PIN used recently'))
    return value
  } catch (err) {
    if (!(err instanceof LoginRefused)) throw err
    const reason = typeof err.fields.reason === 'string' ? err.fields.reason : 'refused'
    services.log.warn({ ...err.fields, user: err.user, event: 'pinChangeFailed', by: 'user', reason }, messages.pinChangeFailed(err.user, err.failure))
    return 'refused'
  }
}
