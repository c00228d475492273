import { downloadSecurityStrings } from '../domain/security-strings.js'
import { NoUserFound } from '../protocol/errors.js'
import { messages } from '../protocol/messages.js'
import type { Action } from './action.js'

export const securityStrings: Action = {
  name: 'SecurityStrings',
  agentOnly: false,
  async run({ services, request }) {
    const id = request.fields.Id
    if (!id) throw new NoUserFound({ event: 'unknownMobile', level: 'warn', message: messages.unknownMobile() })
    const strings = await downloadSecurityStrings(services, id)
    return [
      { name: 'SecurityStrings', text: strings.join(';') },
      // mobile client policies: none are pushed yet, and legacy clients accept an empty list
      { name: 'Policies' },
    ]
  },
}
