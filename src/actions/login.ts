import { verifyLogin } from '../domain/login.js'
import { AgentAccessDenied, LoginFailure, NoOtc } from '../protocol/errors.js'
import type { AgentRequest } from '../protocol/types.js'
import type { Action } from './action.js'

const refuse = (): never => {
  throw new AgentAccessDenied()
}

function assertOtc(request: AgentRequest): string {
  const otc = request.fields.OTC
  if (!otc) throw new NoOtc(request.fields.Username ?? '')
  return otc
}

function assertUsername(request: AgentRequest): string {
  const user = request.fields.Username
  // no name is no user: the same plain FAIL as an unknown one (spec §6)
  if (!user) throw new LoginFailure(undefined, '', 'User not found', { reason: 'no Username' })
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
    if (!request.fields.OTC || !request.fields.Username) {
      // the agent first, as for every agent action; a complete request has it checked in its unit
      check(await services.store.settings())
    }
    const otc = assertOtc(request)
    const user = assertUsername(request)
    await verifyLogin(services, { user, otc }, check)
    return []
  },
}
