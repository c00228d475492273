import { deleteAgentByName, findAgentByName, insertAgent, listAgents, updateAgentById } from '../db/repositories/agents.js'
import type { Agent, Settings } from '../db/index.js'
import type { Keys } from '../secrets.js'
import { keyedHash, safeEqual } from '../secrets.js'
import { DomainError, InvalidInput } from './errors.js'
import { loopbackNetworks, matcher, parseNetwork } from './networks.js'
import { holdsNul } from './nul.js'
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

/** What a request says of its agent: the secret it carries and the address it comes from. */
export interface AgentCredentials {
  readonly secret: string | undefined
  readonly address: string
}

const hashSecret = (keys: Keys, secret: string) => keyedHash(keys, 'agent-secret', secret)

export async function addAgent(services: Services, input: AgentInput): Promise<void> {
  const name = input.name.trim()
  if (!/^[\p{L}\p{N}._@ -]{1,64}$/u.test(name)) throw new InvalidInput(`agent name "${input.name}" is not allowed`)
  const secret = checkAgentSecret(input.secret)
  const networks = agentNetworks(input.networks)
  if (await findAgentByName(services.db, name)) throw new DomainError(`agent "${name}" already exists`)
  await insertAgent(services.db, {
    name,
    secret_hash: hashSecret(services.keys, secret),
    networks: JSON.stringify(networks),
    admin: input.admin ? 1 : 0,
    check_password: input.checkPassword ? 1 : 0,
    created_at: services.now(),
  })
}

/**
 * The rule for a shared secret, when an agent is added and when its secret is changed. Trimmed,
 * as every request value is (wire/parse.ts): a secret with surrounding spaces could never match.
 */
export function checkAgentSecret(secret: string): string {
  const trimmed = secret.trim()
  if (trimmed.length < 8 || trimmed.length > 256) throw new InvalidInput('agent secret must be 8 to 256 characters')
  return trimmed
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
  /** `login` must carry the user's directory password too (directory-password.ts). */
  readonly checkPassword?: boolean | undefined
}

/** Change what is given, validated before anything is written; returns the names of what changed. */
export async function changeAgent(services: Services, name: string, changes: AgentChanges): Promise<string[]> {
  const agent = holdsNul(name) ? undefined : await findAgentByName(services.db, name.trim())
  if (!agent) throw new DomainError(`agent "${name}" not found`)
  const secret = changes.secret === undefined ? undefined : checkAgentSecret(changes.secret)
  const networks = changes.networks === undefined ? undefined : JSON.stringify(agentNetworks(changes.networks))
  const update = {
    ...(networks !== undefined && networks !== agent.networks ? { networks } : {}),
    // a new secret always counts as a change: it is never compared with the old one's hash
    ...(secret !== undefined ? { secret_hash: hashSecret(services.keys, secret) } : {}),
    ...(changes.admin !== undefined && (changes.admin ? 1 : 0) !== agent.admin ? { admin: changes.admin ? 1 : 0 } : {}),
    ...(changes.checkPassword !== undefined && (changes.checkPassword ? 1 : 0) !== agent.check_password
      ? { check_password: changes.checkPassword ? 1 : 0 }
      : {}),
  }
  if (Object.keys(update).length > 0) await updateAgentById(services.db, agent.id, update)
  return Object.keys(update).map((key) => (key === 'secret_hash' ? 'secret' : key === 'check_password' ? 'password check' : key))
}

export async function deleteAgent(services: Services, name: string): Promise<void> {
  if (holdsNul(name) || !(await deleteAgentByName(services.db, name))) throw new DomainError(`agent "${name}" not found`)
}

export async function agentList(services: Services): Promise<AgentView[]> {
  return (await listAgents(services.db)).map(view)
}

interface KnownAgent {
  readonly agent: Agent
  readonly inside: (address: string) => boolean
}

const matchers = new WeakMap<Settings, readonly KnownAgent[]>()

/** Every agent of these settings with its network matcher, made once per settings version. */
function knownAgents(settings: Settings): readonly KnownAgent[] {
  let known = matchers.get(settings)
  if (!known) {
    known = settings.agents.map((agent) => ({ agent, inside: matcher(JSON.parse(agent.networks) as string[]) }))
    matchers.set(settings, known)
  }
  return known
}

/**
 * The agent a request comes from (docs/protocol.md §4): its source address is inside one of the agent's
 * networks and its secret matches. Every candidate's secret is compared, in constant time.
 */
export function authenticateAgent(keys: Keys, settings: Settings, credentials: AgentCredentials): Agent | undefined {
  const { secret, address } = credentials
  if (secret === undefined || secret === '') return undefined
  const presented = hashSecret(keys, secret)
  let found: Agent | undefined
  for (const { agent, inside } of knownAgents(settings)) {
    if (safeEqual(agent.secret_hash, presented) && inside(address)) found ??= agent
  }
  return found
}

/**
 * Whether any agent (an admin agent, with `admin`) may call from this address, secrets aside: a
 * request from anywhere else is refused before its body is parsed (issue #25, item 11).
 */
export function agentCovers(settings: Settings, address: string, options: { admin?: boolean } = {}): boolean {
  return knownAgents(settings).some(({ agent, inside }) => (!options.admin || agent.admin === 1) && inside(address))
}

const view = (agent: Agent): AgentView => ({
  name: agent.name,
  networks: JSON.parse(agent.networks) as string[],
  admin: agent.admin === 1,
  checkPassword: agent.check_password === 1,
  createdAt: agent.created_at,
})
