import { agentCovers, authenticateAgent } from '../domain/agents.js'
import { DomainError } from '../domain/errors.js'
import { type Services, withLog } from '../domain/services.js'
import type { Agent, Settings } from '../db/index.js'
import { lazyChild } from '../logging/lazy.js'
import { AgentAccessDenied, AgentError, GeneralError } from '../protocol/errors.js'
import type { AgentRequest, Context } from '../protocol/types.js'
import { type ParseLimits, parseAgentRequest } from '../wire/parse.js'
import { renderReply } from '../wire/render.js'
import type { Action, ActionContext } from './action.js'
import { actions } from './index.js'

export interface Source {
  readonly address: string
  readonly userAgent: string | undefined
}

function assertWellFormed(request: AgentRequest): Action {
  if (!request.version) throw new GeneralError('request has no Version')
  if (!request.action) throw new GeneralError('request has no Action')
  const action = actions.get(request.action.toLowerCase())
  if (!action) throw new GeneralError(`unknown action "${request.action.slice(0, 64)}"`)
  return action
}

/** What a request may hold; `mobileBodyLimit` (/proxy's) bounds, on the agent contexts, what an address no agent covers sends. */
export interface RequestLimits extends ParseLimits {
  readonly mobileBodyLimit?: number
}

/**
 * On /pinsafe and /sentry a request from an address no agent covers can only be a mobile
 * client's (docs/protocol.md §1): it gets /proxy's body limit, refused before parsing, so that
 * only agents' networks can make the parser read 64 KiB (issue #25, item 11).
 */
async function assertMobileSize(services: Services, context: Context, body: Buffer | undefined, source: Source, limit: number | undefined) {
  if (context === 'proxy' || limit === undefined || body === undefined || body.length <= limit) return
  if (!agentCovers(await services.store.settings(), source.address)) throw new GeneralError(`request of ${body.length} bytes from an address no agent covers`)
}

/**
 * The agent check of an agent action (docs/protocol.md §4), run by the action against the settings it
 * reads (a login checks them in its own unit: one read serves both). It remembers the agent,
 * whose name then goes on every log line of the request.
 */
function agentGate(services: Services, context: Context, request: AgentRequest, source: Source) {
  let agent: Agent | undefined
  return {
    authorise(settings: Settings): Agent {
      // the proxy is internet-facing: it serves the mobile actions only
      if (context === 'proxy') throw new AgentAccessDenied()
      agent = authenticateAgent(services.keys, settings, { secret: request.secret, address: source.address })
      if (!agent) throw new AgentAccessDenied()
      return agent
    },
    get agent() {
      return agent
    },
  }
}

/**
 * One AgentXML exchange, bytes in, XML out. This is where exposure is decided: a catalogued
 * `AgentError` reaches the client as its code; anything else becomes AGENT_ERROR_GENERAL with
 * the cause only in the log.
 */
export async function handleAgentXml(
  services: Services,
  context: Context,
  body: Buffer | undefined,
  source: Source,
  limits?: RequestLimits,
): Promise<string> {
  const started = performance.now()
  let request: AgentRequest | undefined
  let log = services.log
  try {
    await assertMobileSize(services, context, body, source, limits?.mobileBodyLimit)
    request = parseAgentRequest(body, limits)
    const action = assertWellFormed(request)
    if (action.agentOnly && context === 'proxy') throw new AgentAccessDenied()
    const gate = action.agentOnly ? agentGate(services, context, request, source) : undefined
    if (gate) log = lazyChild(services.log, () => (gate.agent ? { agent: gate.agent.name } : {}))
    const actionContext: ActionContext = { services: gate ? withLog(services, log) : services, request, context, source, authorise: gate?.authorise }
    const elements = await action.run(actionContext)
    // an agent action that forgot its check would be a hole: refuse rather than answer
    if (gate && !gate.agent) throw new AgentAccessDenied()
    services.metrics?.request(request.action ?? '', 'PASS', '', (performance.now() - started) / 1000)
    return renderReply({ version: request.version, requestId: request.requestId, result: 'PASS', elements })
  } catch (err) {
    const error = asAgentError(err, log)
    if (error.log) {
      const { level, event, fields, message } = error.log
      log[level]({ ...fields, event }, message)
    }
    services.metrics?.request(request?.action ?? '', 'FAIL', error.code ?? '', (performance.now() - started) / 1000)
    if (error.code === 'AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED') services.metrics?.lockout()
    return renderReply({ version: request?.version, requestId: request?.requestId, result: 'FAIL', error: error.code })
  }
}

function asAgentError(err: unknown, log: Services['log']): AgentError {
  if (err instanceof AgentError) return err
  if (err instanceof DomainError) return new GeneralError(err.message)
  log.error({ err }, 'internal error while handling an AgentXML request')
  return new GeneralError('internal error')
}
