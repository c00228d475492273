import { deleteAgentByName, findAgentByName, insertAgent, listAgents, updateAgent } from '../db/repositories/agents.js'
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
  /** `login` from this agent must also carry the user's directory password. */
  readonly checkPassword?: boolean
}

export interface AgentView {
  readonly name: string
  readonly networks: string[]
  readonly admin: boolean
  readonly checkPassword: boolean
  readonly createdAt: number
}

const hashSecret = (services: Services, secret: string) => keyedHash(services.keys, 'agent-secret', secret)

export async function addAgent(services: Services, input: AgentInput): Promise<void> {
  const name = input.name.trim()
  if (!/^[\p{L}\p{N}._@ -]{1,64}$/u.test(name)) throw new InvalidInput(`agent name "${input.name}" is not allowed`)
  if (input.secret.length < 8 || input.secret.length > 256) throw new InvalidInput('agent secret must be 8 to 256 characters')
  const networks = (input.networks?.length ? input.networks : loopbackNetworks).map(parseNetwork)
  if (await findAgentByName(services.db, name)) throw new DomainError(`agent "${name}" already exists`)
  await insertAgent(services.db, {
    name,
    secret_hash: hashSecret(services, input.secret),
    networks: JSON.stringify(networks),
    admin: input.admin ? 1 : 0,
    check_password: input.checkPassword ? 1 : 0,
    created_at: services.now(),
  })
}

/** Turn the directory password check of `login` on or off for one agent. */
export async function setAgentPasswordCheck(services: Services, name: string, checkPassword: boolean): Promise<void> {
  const agent = await findAgentByName(services.db, name)
  if (!agent) throw new DomainError(`agent "${name}" not found`)
  await updateAgent(services.db, agent.id, { check_password: checkPassword ? 1 : 0 })
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
  checkPassword: agent.check_password === 1,
  createdAt: agent.created_at,
})
