import { NoMobileRight, UserNotFound } from '../domain/errors.js'
import { createProvisionCode } from '../domain/provision-code.js'
import { notAUserName, shownName } from '../domain/user-names.js'
import { AgentAccessDenied, NoUserFound } from '../protocol/errors.js'
import { messages } from '../protocol/messages.js'
import type { Action } from './action.js'

const unknownUser = (user: string, reason?: string) =>
  new NoUserFound({ event: 'noAuthMethod', level: 'warn', message: messages.noAuthMethod(user), fields: { user, ...(reason ? { reason } : {}) } })

export const reprovision: Action = {
  name: 'reprovision',
  agentOnly: true,
  async run({ services, request, authorise }) {
    if (!authorise) throw new AgentAccessDenied()
    authorise(await services.store.settings())
    const user = request.fields.Username
    if (!user) throw unknownUser('')
    const unfit = notAUserName(user)
    if (unfit) throw unknownUser(shownName(user), unfit)
    try {
      // the code goes to the user's transport, never into the reply
      await createProvisionCode(services, user, { deliver: true })
    } catch (err) {
      if (err instanceof UserNotFound) throw unknownUser(user)
      // as provision answers such a user: no suitable authentication method (docs/protocol.md §3.3)
      if (err instanceof NoMobileRight) throw unknownUser(user, 'no mobile right')
      throw err
    }
    return []
  },
}
