import type { Source } from '../actions/dispatch.js'
import type { Agent } from '../db/schema/index.js'
import { adminMessages } from '../domain/admin-messages.js'
import { agentCovers, authenticateAgent } from '../domain/agents.js'
import { DomainError, InvalidInput, NoDestination, NoMobileRight, TransportNotConfigured, UserExists, UserNotFound } from '../domain/errors.js'
import type { Services } from '../domain/services.js'
import { type AdminErrorCode, AdminOperationError } from '../protocol/admin-errors.js'
import type { AdminOperationRequest, AdminRequest } from '../protocol/admin-types.js'
import { AgentAccessDenied, AgentError, GeneralError } from '../protocol/errors.js'
import { messages } from '../protocol/messages.js'
import { parseAdminRequest } from '../wire/admin-parse.js'
import { type AdminOperationResult, renderAdminReply } from '../wire/admin-render.js'
import { adminOperations } from './index.js'

/** Only agents with the AdminXML right (`agent add --admin`, or the console's checkbox). */
async function assertAdminAgent(services: Services, request: AdminRequest, source: Source): Promise<Agent> {
  if (!request.version) throw new GeneralError('request has no Version')
  const agent = authenticateAgent(services.keys, await services.store.settings(), { secret: request.secret, address: source.address })
  if (!agent) throw new AgentAccessDenied()
  if (agent.admin !== 1) {
    const fields = { agent: agent.name, reason: 'not an admin agent' }
    throw new AgentError('AGENT_ERROR_AGENT_ACCESS', { event: 'agentRefused', level: 'warn', message: messages.agentRefused(), fields })
  }
  return agent
}

/** The wire code of one failed operation; the domain's message goes only to the log. */
function codeOf(err: unknown): AdminErrorCode {
  if (err instanceof AdminOperationError) return err.code
  // no user to give a code to: a user without the mobile right could never use one
  if (err instanceof UserNotFound || err instanceof NoMobileRight) return 'AGENT_ERROR_NO_USER_FOUND'
  if (err instanceof UserExists) return 'AGENT_ERROR_USER_EXISTS'
  // nowhere to send: no address for the transport, or a transport this server cannot send with
  if (err instanceof NoDestination || err instanceof TransportNotConfigured) return 'AGENT_ERROR_NO_DESTINATION'
  if (err instanceof InvalidInput) return 'AGENT_ERROR_INVALID_VALUE'
  return 'AGENT_ERROR_GENERAL'
}

async function runOperation(services: Services, { operation, user }: AdminOperationRequest): Promise<AdminOperationResult> {
  const name = user.name ?? ''
  try {
    const elements = (await adminOperations.get(operation)?.run(services, user)) ?? []
    return { operation, user: name, result: 'PASS', elements }
  } catch (err) {
    const code = codeOf(err)
    const known = err instanceof AdminOperationError || err instanceof DomainError
    if (!known) services.log.error({ err, operation }, 'internal error in an AdminXML operation')
    const reason = known ? (err as Error).message : 'internal error'
    services.log.warn(
      { user: name, event: 'adminOperationFailed', operation, error: code, reason },
      adminMessages.adminOperationFailed(operation, name, reason),
    )
    return { operation, user: name, result: 'FAIL', error: code }
  }
}

/**
 * One AdminXML exchange, bytes in, XML out. A malformed request or one not from an admin agent
 * is refused as a whole; otherwise each operation runs in order, on its own: a failure does not
 * undo or stop the others, and the reply's Result is PASS only when every one passed.
 */
export async function handleAdminXml(services: Services, body: Buffer | undefined, source: Source): Promise<string> {
  const started = performance.now()
  const counted = (result: 'PASS' | 'FAIL', error = '') => services.metrics?.request('adminxml', result, error, (performance.now() - started) / 1000)
  let request: AdminRequest | undefined
  let log = services.log
  try {
    // only an admin agent's networks get their body parsed: AdminXML has no anonymous use
    if (!agentCovers(await services.store.settings(), source.address, { admin: true })) throw new AgentAccessDenied()
    request = parseAdminRequest(body)
    const agent = await assertAdminAgent(services, request, source)
    log = log.child({ agent: agent.name })
    const results: AdminOperationResult[] = []
    for (const operation of request.operations) results.push(await runOperation({ ...services, log }, operation))
    const result = results.every((r) => r.result === 'PASS') ? 'PASS' : 'FAIL'
    counted(result)
    return renderAdminReply({ version: request.version, requestId: request.requestId, result, results })
  } catch (err) {
    const error = err instanceof AgentError ? err : new GeneralError('internal error')
    if (!(err instanceof AgentError)) log.error({ err }, 'internal error while handling an AdminXML request')
    if (error.log) {
      const { level, event, fields, message } = error.log
      // the legacy texts stay word for word; other causes say which protocol failed
      log[level]({ ...fields, event }, event ? message : message.replace(/^AgentXML/, 'AdminXML'))
    }
    const code: AdminErrorCode = error.code === 'AGENT_ERROR_AGENT_ACCESS' ? error.code : 'AGENT_ERROR_GENERAL'
    counted('FAIL', code)
    return renderAdminReply({ version: request?.version, requestId: request?.requestId, result: 'FAIL', error: code })
  }
}
