import { deleteAgentByName, findAgentByName, insertAgent, listAgents, updateAgentById } from '../db/repositories/agents.js'
import type { Agent } from '../db/schema/index.js'
import { readSync } from '../db/sync.js'
import { keyedHash, safeEqual } from '../secrets.js'
import { DomainError, InvalidInput } from './errors.js'
import { loopbackNetworks, matcher, parseNetwork } from './networks.js'
import type { Services } from './services.js'

export interface AgentInput {
  readonly name: string
  readonly secret: string
  readonly networks?: readonly string[]
  readonly admin?: boolean
}

export interface AgentView {
  readonly name: string
  readonly networks: string[]
  readonly admin: boolean
  readonly createdAt: number
}

const hashSecret = (services: Services, secret: string) => keyedHash(services.keys, 'agent-secret', secret)

export async function addAgent(services: Services, input: AgentInput): Promise<void> {
  const name = input.name.trim()
  if (!/^[\p{L}\p{N}._@ -]{1,64}$/u.test(name)) throw new InvalidInput(`agent name "${input.name}" is not allowed`)
  const secret = checkAgentSecret(input.secret)
  const networks = agentNetworks(input.networks)
  if (await findAgentByName(services.db, name)) throw new DomainError(`agent "${name}" already exists`)
  await insertAgent(services.db, {
    name,
    secret_hash: hashSecret(services, secret),
    networks: JSON.stringify(networks),
    admin: input.admin ? 1 : 0,
    created_at: services.now(),
  })
}

/** The rule for a shared secret, when an agent is added and when its secret is changed. */
export function checkAgentSecret(secret: string): string {
  if (secret.length < 8 || secret.length > 256) throw new InvalidInput('agent secret must be 8 to 256 characters')
  return secret
}

/** The networks an agent may call from, normalised; none given means this host only. */
export function agentNetworks(networks: readonly string[] | undefined): string[] {
  return (networks?.length ? networks : loopbackNetworks).map(parseNetwork)
}

export interface AgentChanges {
  /** Replaces the list; an empty list means this host only, as on add. */
  readonly networks?: readonly string[] | undefined
  readonly secret?: string | undefined
  readonly admin?: boolean | undefined
}

/** Change what is given, validated before anything is written; returns the names of what changed. */
export async function changeAgent(services: Services, name: string, changes: AgentChanges): Promise<string[]> {
  const agent = await findAgentByName(services.db, name.trim())
  if (!agent) throw new DomainError(`agent "${name}" not found`)
  const secret = changes.secret === undefined ? undefined : checkAgentSecret(changes.secret)
  const networks = changes.networks === undefined ? undefined : JSON.stringify(agentNetworks(changes.networks))
  const update = {
    ...(networks !== undefined && networks !== agent.networks ? { networks } : {}),
    // a new secret always counts as a change: it is never compared with the old one's hash
    ...(secret !== undefined ? { secret_hash: hashSecret(services, secret) } : {}),
    ...(changes.admin !== undefined && (changes.admin ? 1 : 0) !== agent.admin ? { admin: changes.admin ? 1 : 0 } : {}),
  }
  if (Object.keys(update).length > 0) await updateAgentById(services.db, agent.id, update)
  return Object.keys(update).map((key) => (key === 'secret_hash' ? 'secret' : key))
}

export async function deleteAgent(services: Services, name: string): Promise<void> {
  if (!(await deleteAgentByName(services.db, name))) throw new DomainError(`agent "${name}" not found`)
}

export async function agentList(services: Services): Promise<AgentView[]> {
  return (await listAgents(services.db)).map(view)
}

/**
 * The agent a request comes from (spec §4): its source address is inside one of the agent's
 * networks and its secret matches. Every candidate's secret is compared, in constant time.
 */
export async function authenticateAgent(
  services: Services,
  secret: string | undefined,
  address: string,
): Promise<Agent | undefined> {
  if (secret === undefined || secret === '') return undefined
  const presented = hashSecret(services, secret)
  let found: Agent | undefined
  for (const { agent, inside } of await knownAgents(services)) {
    if (safeEqual(agent.secret_hash, presented) && inside(address)) found ??= agent
  }
  return found
}

interface KnownAgent {
  readonly agent: Agent
  readonly inside: (address: string) => boolean
}

/** Every agent with its network matcher, kept in the settings cache between requests. */
async function knownAgents(services: Services): Promise<readonly KnownAgent[]> {
  const load = async () =>
    (await listAgents(services.db)).map((agent) => ({ agent, inside: matcher(JSON.parse(agent.networks) as string[]) }))
  return services.settings ? services.settings.get(readSync(services.db), 'agents', load) : load()
}

const view = (agent: Agent): AgentView => ({
  name: agent.name,
  networks: JSON.parse(agent.networks) as string[],
  admin: agent.admin === 1,
  createdAt: agent.created_at,
})
