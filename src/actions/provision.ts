import { provisionDevice } from '../domain/provisioning.js'
import { notAUserName, shownName } from '../domain/user-names.js'
import { ProvisionFailure } from '../protocol/errors.js'
import { messages } from '../protocol/messages.js'
import type { AgentRequest } from '../protocol/types.js'
import type { Action } from './action.js'

function assertProvisionFields(request: AgentRequest): { user: string; code: string } {
  const user = request.fields.Username
  const code = request.fields.ProvisionCode
  if (!user) throw new ProvisionFailure({ level: 'warn', message: messages.requestFailed('provision without Username') })
  const unfit = notAUserName(user)
  if (unfit) {
    // no user has such a name: refused as an unknown user, before it is looked up or logged whole
    const shown = shownName(user)
    throw new ProvisionFailure({ event: 'noAuthMethod', level: 'warn', message: messages.noAuthMethod(shown), fields: { user: shown, reason: unfit } })
  }
  if (!code) {
    throw new ProvisionFailure({ event: 'provisionFailed', level: 'warn', message: messages.provisionFailed(user), fields: { user, reason: 'no ProvisionCode' } })
  }
  return { user, code }
}

export const provision: Action = {
  name: 'provision',
  agentOnly: false,
  async run({ services, request, source }) {
    const { user, code } = assertProvisionFields(request)
    const id = await provisionDevice(services, {
      user,
      code,
      deviceOs: request.fields.DeviceOS,
      pushId: request.fields.PushId,
      userAgent: source.userAgent,
      address: source.address,
    })
    return [{ name: 'Id', text: id }]
  },
}
