import { checkDirectoryPassword } from '../domain/directory-password.js'
import { DirectoryPasswordNeeded, verifyLogin } from '../domain/login.js'
import type { Services } from '../domain/services.js'
import { notAUserName, shownName } from '../domain/user-names.js'
import { AgentAccessDenied, GeneralError, LoginFailure, NoOtc } from '../protocol/errors.js'
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
  // no name is no user: the same plain FAIL as an unknown one (docs/protocol.md §6)
  if (!user) throw new LoginFailure(undefined, '', 'User not found', { reason: 'no Username' })
  // no user has such a name: the same plain FAIL, without the look-up, logged truncated
  const unfit = notAUserName(user)
  if (unfit) throw new LoginFailure(undefined, shownName(user), 'User not found', { reason: unfit })
  return user
}

/**
 * PINsafe's repository password check, for agents marked `--check-password`: done when the
 * login's unit finds the agent wants it (it waits on the directory, so it cannot run inside one),
 * its outcome passed to the login's second try. A directory that cannot be asked fails the
 * request without burning or counting anything: an outage is not the user's mistake.
 */
async function directoryPassword(services: Services, user: string, request: AgentRequest): Promise<'ok' | 'wrong'> {
  const outcome = await checkDirectoryPassword(services, user, request.fields.Password)
  if (outcome === 'unavailable') throw new GeneralError('the user repository could not be reached to check the password')
  return outcome
}

/**
 * `login` (docs/protocol.md §3.4): an agent verifies the one-time code a user read off their mobile client.
 * `Password` is checked against the user's directory when the agent asks for it, else ignored.
 */
export const login: Action = {
  name: 'login',
  agentOnly: true,
  async run({ services, request, authorise }) {
    const check = authorise ?? refuse
    const { OTC, Username } = request.fields
    if (!OTC || !Username || notAUserName(Username)) {
      // the agent first, as for every agent action; a login that gets as far as its unit has it checked there
      check(await services.store.settings())
    }
    const otc = assertOtc(request)
    const user = assertUsername(request)
    try {
      await verifyLogin(services, { user, otc }, check)
    } catch (err) {
      if (!(err instanceof DirectoryPasswordNeeded)) throw err
      // the agent asks for the directory password too: checked outside the unit, which then runs again
      await verifyLogin(services, { user, otc, directoryPassword: await directoryPassword(services, user, request) }, check)
    }
    return []
  },
}
