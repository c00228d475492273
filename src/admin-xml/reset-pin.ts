import { resetPin as resetUserPin } from '../domain/pin-issue.js'
import { type AdminOperation, assertName } from './operation.js'

/** The helpdesk's "send new credentials": a new random PIN goes to the user's transport, never into the reply. */
export const resetPin: AdminOperation = {
  name: 'ResetPIN',
  async run(services, user) {
    await resetUserPin(services, assertName(user), { print: false })
    return []
  },
}
