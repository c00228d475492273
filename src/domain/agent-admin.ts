import { randomString } from '../secrets.js'
import { adminMessages } from './admin-messages.js'
import { addAgent, type AgentChanges, changeAgent, deleteAgent } from './agents.js'
import type { Services } from './services.js'

const secretAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

export interface NewAgent {
  readonly name: string
  /** Blank: one is generated (32 characters, about 190 bits). */
  readonly secret: string
  readonly networks: readonly string[]
  readonly admin: boolean
  readonly checkPassword?: boolean
}

/** A strong shared secret, for an agent added or changed without one given. */
export const generateAgentSecret = () => randomString(secretAlphabet, 32)

/** Add an agent; returns its secret, which is shown once and never stored (only its keyed hash is). */
export async function createAgent(services: Services, input: NewAgent): Promise<string> {
  // shown as stored: trimmed (agents.ts checkAgentSecret)
  const secret = input.secret.trim() === '' ? generateAgentSecret() : input.secret.trim()
  await addAgent(services, { name: input.name, secret, networks: input.networks, admin: input.admin, checkPassword: input.checkPassword === true })
  const name = input.name.trim()
  // `target`, not `agent`: the agent is what changed, not who acted
  services.log.info({ target: name, event: 'agentAdded', adminAgent: input.admin }, adminMessages.agentAdded(name))
  return secret
}

/** Change an agent's networks, secret or AdminXML flag; what is not given stays. */
export async function updateAgent(services: Services, name: string, changes: AgentChanges): Promise<string[]> {
  const changed = await changeAgent(services, name, changes)
  const target = name.trim()
  // names only: the log never carries the secret
  if (changed.length > 0) services.log.info({ target, event: 'agentUpdated', changed }, adminMessages.agentUpdated(target, changed.join(', ')))
  return changed
}

export async function removeAgent(services: Services, name: string): Promise<void> {
  await deleteAgent(services, name)
  services.log.info({ target: name, event: 'agentDeleted' }, adminMessages.agentDeleted(name))
}
