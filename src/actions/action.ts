import type { Agent, Settings } from '../db/index.js'
import type { Services } from '../domain/services.js'
import type { AgentRequest, Context, ReplyElement } from '../protocol/types.js'

export interface ActionContext {
  readonly services: Services
  readonly request: AgentRequest
  readonly context: Context
  readonly source: { readonly address: string; readonly userAgent: string | undefined }
  /**
   * For agent actions: check the request's agent against `settings` (fresh as of the caller's
   * read) or throw AGENT_ERROR_AGENT_ACCESS. Every agent action calls it before it acts.
   */
  readonly authorise: ((settings: Settings) => Agent) | undefined
}

/** One `<Action>`: every module under actions/ exports one of these. */
export interface Action {
  /** The name as the protocol spells it; matched case-insensitively. */
  readonly name: string
  /** Needs a matching agent and is refused on the public /proxy context (docs/protocol.md §4). */
  readonly agentOnly: boolean
  /** The elements a PASS reply adds; failures throw an `AgentError`. */
  run(context: ActionContext): Promise<readonly ReplyElement[]>
}
