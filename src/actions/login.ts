import { checkDirectoryPassword } from '../domain/directory-password.js'
import { verifyLogin } from '../domain/login.js'
import { GeneralError, LoginFailure, NoOtc } from '../protocol/errors.js'
import type { AgentRequest } from '../protocol/types.js'
import type { Action, ActionContext } from './action.js'

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
 * PINsafe's repository password check, for agents marked `--check-password`: done first (it waits
 * on the directory), its outcome passed to the login. A directory that cannot be asked fails the
 * request without burning or counting anything: an outage is not the user's mistake.
 */
async function directoryPassword(context: ActionContext, user: string) {
  if (context.agent?.check_password !== 1) return 'not required'
  const outcome = await checkDirectoryPassword(context.services, user, context.request.fields.Password)
  if (outcome === 'unavailable') throw new GeneralError('the user repository could not be reached to check the password')
  return outcome
}

/**
 * `login` (spec §3.4): an agent verifies the one-time code a user read off their mobile client.
 * `Password` is checked against the user's directory when the agent asks for it, else ignored.
 */
export const login: Action = {
  name: 'login',
  agentOnly: true,
  async run(context) {
    const { services, request } = context
    const otc = assertOtc(request)
    const user = assertUsername(request)
    await verifyLogin(services, { user, otc, directoryPassword: await directoryPassword(context, user) })
    return []
  },
}
