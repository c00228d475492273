import { randomString } from '../secrets.js'
import { adminMessages } from './admin-messages.js'
import { addAgent, deleteAgent } from './agents.js'
import type { Services } from './services.js'

const secretAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

export interface NewAgent {
  readonly name: string
  /** Blank: one is generated (32 characters, about 190 bits). */
  readonly secret: string
  readonly networks: readonly string[]
  readonly admin: boolean
}

/** Add an agent; returns its secret, which is shown once and never stored (only its keyed hash is). */
export async function createAgent(services: Services, input: NewAgent): Promise<string> {
  // shown as stored: trimmed (agents.ts)
  const secret = input.secret.trim() === '' ? randomString(secretAlphabet, 32) : input.secret.trim()
  await addAgent(services, { name: input.name, secret, networks: input.networks, admin: input.admin })
  const name = input.name.trim()
  // `target`, not `agent`: the agent is what changed, not who acted
  services.log.info({ target: name, event: 'agentAdded', adminAgent: input.admin }, adminMessages.agentAdded(name))
  return secret
}

export async function removeAgent(services: Services, name: string): Promise<void> {
  await deleteAgent(services, name)
  services.log.info({ target: name, event: 'agentDeleted' }, adminMessages.agentDeleted(name))
}
