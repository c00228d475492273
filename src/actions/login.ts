import type { CallerGrant } from '../domain/login-caller.js'
import { login as decideLogin, type LoginOutcome } from '../domain/login.js'
import type { Agent } from '../db/index.js'
import { AgentAccessDenied, type ErrorCode, Refused } from '../protocol/errors.js'
import type { Action } from './action.js'

/** The outcome's reply: none is PASS, undefined is a plain FAIL (docs/protocol.md §6: an unknown user looks like a wrong code). */
export const loginReplies: Record<Exclude<LoginOutcome, 'passed'>, ErrorCode | undefined> = {
  unknownUser: undefined,
  wrongCode: undefined,
  noCode: 'AGENT_ERROR_NO_OTC',
  badCode: 'AGENT_ERROR_BAD_OTC',
  noPin: 'AGENT_ERROR_NO_PIN',
  pinExpired: 'AGENT_ERROR_PIN_EXPIRED',
  noStrings: 'AGENT_ERROR_NO_SECURITY_STRINGS',
  locked: 'AGENT_ERROR_USER_LOCKED',
  lockedNow: 'AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED',
  directoryUnavailable: 'AGENT_ERROR_GENERAL',
}

const refuse = (): never => {
  throw new AgentAccessDenied()
}

const grantOf = (agent: Agent): CallerGrant => ({ actor: { agent: agent.name }, checkPassword: agent.check_password === 1 })

/**
 * `login` (docs/protocol.md §3.4): an agent verifies the one-time code a user read off their
 * mobile client. `Password` is checked against the user's directory when the agent asks for it,
 * else ignored. The decision, its log line and its audit row are the domain's (domain/login.ts);
 * this maps the outcome to the reply.
 */
export const login: Action = {
  name: 'login',
  agentOnly: true,
  async run({ services, request, source, authorise }) {
    const check = authorise ?? refuse
    const { outcome } = await decideLogin(
      services,
      { user: request.fields.Username, otc: request.fields.OTC },
      { authorise: (settings) => grantOf(check(settings)), address: source.address, password: request.fields.Password },
    )
    if (outcome === 'passed') return []
    const code = loginReplies[outcome]
    // logged by the domain with its audit row: the reply only
    throw new Refused(code)
  },
}
