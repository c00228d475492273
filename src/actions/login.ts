import { verifyLogin } from '../domain/login.js'
import { shownName, tooLongForAUser, tooLongReason } from '../domain/user-names.js'
import { AgentAccessDenied, LoginFailure, NoOtc } from '../protocol/errors.js'
import type { AgentRequest } from '../protocol/types.js'
import type { Action } from './action.js'

const refuse = (): never => {
  throw new AgentAccessDenied()
}

function assertOtc(request: AgentRequest): string {
  const otc = request.fields.OTC
  if (!otc) throw new NoOtc(shownName(request.fields.Username ?? ''))
  return otc
}

function assertUsername(request: AgentRequest): string {
  const user = request.fields.Username
  // no name is no user: the same plain FAIL as an unknown one (spec §6)
  if (!user) throw new LoginFailure(undefined, '', 'User not found', { reason: 'no Username' })
  // no user has such a name: the same plain FAIL, without the look-up, logged truncated
  if (tooLongForAUser(user)) throw new LoginFailure(undefined, shownName(user), 'User not found', { reason: tooLongReason })
  return user
}

/**
 * `login` (spec §3.4): an agent verifies the one-time code a user read off their mobile client.
 * `Password` is accepted and ignored: users here have no password of their own.
 */
export const login: Action = {
  name: 'login',
  agentOnly: true,
  async run({ services, request, authorise }) {
    const check = authorise ?? refuse
    const { OTC, Username } = request.fields
    if (!OTC || !Username || tooLongForAUser(Username)) {
      // the agent first, as for every agent action; a login that gets as far as its unit has it checked there
      check(await services.store.settings())
    }
    const otc = assertOtc(request)
    const user = assertUsername(request)
    await verifyLogin(services, { user, otc }, check)
    return []
  },
}
