import { inTransaction } from '../db/engine.js'
import type { Db, GroupFormat, MessageAuthenticatorMode, NasClient, Settings } from '../db/index.js'
import { deleteNasByName, findNasByName, insertNas, listNasClients, markMessageAuthenticatorSeen, type NasChanges, updateNasById } from '../db/repositories/nas-clients.js'
import { decrypt, encrypt, type Keys } from '../secrets.js'
import { adminMessages } from './admin-messages.js'
import { DomainError, InvalidInput } from './errors.js'
import { matcher, sameNetwork } from './networks.js'
import { assertAnswered, checkIdentifier, checkMessageAuthenticator, checkNasName, checkNasSecret, nasGroups, nasNetworks, type NasSettings } from './nas-rules.js'
import { holdsNul } from './nul.js'
import type { Services } from './services.js'

export type { NasSettings }

/** A NAS as it is shown: never its secret. */
export interface NasView {
  readonly name: string
  readonly networks: string[]
  readonly identifier: string | null
  readonly messageAuthenticator: MessageAuthenticatorMode
  /** Under `auto`: one has been seen, and is required from now on. */
  readonly messageAuthenticatorSeen: boolean
  readonly twoStage: boolean
  readonly checkPassword: boolean
  readonly groups: { readonly keyword: string; readonly format: GroupFormat } | null
  readonly createdAt: number
}

// bound to the row: a sealed secret copied into another NAS's row does not open
const secretContext = (id: number) => `nas-secret:${id}`
const seal = (keys: Keys, id: number, secret: string) => encrypt(keys, secret, secretContext(id))
const flag = (value: boolean | undefined) => (value ? 1 : 0)

export async function addNas(services: Services, input: NasSettings & { readonly name: string }): Promise<void> {
  const name = checkNasName(input.name)
  const networks = nasNetworks(input.networks)
  if (input.secret === undefined) throw new DomainError('a NAS needs a shared secret')
  const secret = checkNasSecret(input.secret)
  const groups = nasGroups(input, undefined)
  assertAnswered({ twoStage: input.twoStage === true, checkPassword: input.checkPassword === true })
  const nas = {
    name,
    networks: JSON.stringify(networks),
    identifier: input.identifier ? checkIdentifier(input.identifier) : null,
    message_authenticator: checkMessageAuthenticator(input.messageAuthenticator ?? 'required'),
    two_stage: flag(input.twoStage),
    check_password: flag(input.checkPassword),
    groups_keyword: groups.keyword,
    group_format: groups.format,
    created_at: services.now(),
  }
  await inTransaction(services.db, async (trx) => {
    if (await findNasByName(trx, name)) throw new DomainError(`NAS "${name}" already exists`)
    await assertNetworksFree(trx, networks, undefined)
    // sealed once the id it is bound to is known, in the same transaction
    const id = await insertNas(trx, { ...nas, secret: Buffer.alloc(0) })
    await updateNasById(trx, id, { secret: seal(services.keys, id, secret) })
  })
  services.log.info({ target: name, event: 'nasAdded' }, adminMessages.nasAdded(name))
}

/**
 * A network is one NAS's: a packet from it could go to only one of two NASes that list it (as
 * FreeRADIUS refuses a duplicate client). Narrower networks inside another NAS's stay allowed.
 */
async function assertNetworksFree(db: Db, networks: readonly string[], self: number | undefined): Promise<void> {
  for (const other of await listNasClients(db)) {
    if (other.id === self) continue
    const taken = (JSON.parse(other.networks) as string[]).find((network) => networks.some((mine) => sameNetwork(mine, network)))
    if (taken) throw new InvalidInput(`network ${taken} is already NAS "${other.name}"'s: a packet from it could go to only one of them`)
  }
}

/** The names of the columns as a change names them (never the secret's value). */
const changeNames: Readonly<Record<string, string>> = {
  message_authenticator: 'message authenticator',
  two_stage: 'two-stage',
  check_password: 'password check',
  groups_keyword: 'groups',
  group_format: 'group format',
}

/** Change what is given, validated before anything is written; returns the names of what changed. */
export async function changeNas(services: Services, name: string, settings: NasSettings): Promise<string[]> {
  const nas = await requireNas(services, name)
  const networkList = settings.networks === undefined ? undefined : nasNetworks(settings.networks)
  const networks = networkList === undefined ? undefined : JSON.stringify(networkList)
  const secret = settings.secret === undefined ? undefined : checkNasSecret(settings.secret)
  const identifier = settings.identifier === undefined ? undefined : settings.identifier === null ? null : checkIdentifier(settings.identifier)
  const mode = settings.messageAuthenticator === undefined ? undefined : checkMessageAuthenticator(settings.messageAuthenticator)
  const groups = nasGroups(settings, nas)
  assertAnswered({ twoStage: settings.twoStage ?? nas.two_stage === 1, checkPassword: settings.checkPassword ?? nas.check_password === 1 })
  const changes: NasChanges = {
    ...(networks !== undefined && networks !== nas.networks && { networks }),
    ...(secret !== undefined && secret !== openedOrUndefined(services.keys, nas) && { secret: seal(services.keys, nas.id, secret) }),
    ...(identifier !== undefined && identifier !== nas.identifier && { identifier }),
    // given again, it also forgets what `auto` learnt: the NAS may have been replaced by one that sends none
    ...(mode !== undefined && (mode !== nas.message_authenticator || nas.seen_message_authenticator === 1) && { message_authenticator: mode, seen_message_authenticator: 0 }),
    ...(settings.twoStage !== undefined && flag(settings.twoStage) !== nas.two_stage && { two_stage: flag(settings.twoStage) }),
    ...(settings.checkPassword !== undefined && flag(settings.checkPassword) !== nas.check_password && { check_password: flag(settings.checkPassword) }),
    ...(groups.keyword !== nas.groups_keyword && { groups_keyword: groups.keyword }),
    ...(groups.format !== nas.group_format && { group_format: groups.format }),
  }
  const changed = Object.keys(changes).flatMap((key) => (key === 'seen_message_authenticator' ? [] : [changeNames[key] ?? key]))
  if (changed.length === 0) return changed
  await inTransaction(services.db, async (trx) => {
    if (changes.networks !== undefined && networkList) await assertNetworksFree(trx, networkList, nas.id)
    await updateNasById(trx, nas.id, changes)
  })
  services.log.info({ target: nas.name, event: 'nasUpdated', changed }, adminMessages.nasUpdated(nas.name, changed.join(', ')))
  return changed
}

export async function deleteNas(services: Services, name: string): Promise<void> {
  if (holdsNul(name) || !(await deleteNasByName(services.db, name.trim()))) throw new DomainError(`NAS "${name}" not found`)
  services.log.info({ target: name.trim(), event: 'nasDeleted' }, adminMessages.nasDeleted(name.trim()))
}

export async function listNas(services: Services): Promise<NasView[]> {
  return (await listNasClients(services.db)).map(view)
}

export async function showNas(services: Services, name: string): Promise<NasView> {
  return view(await requireNas(services, name))
}

async function requireNas(services: Services, name: string): Promise<NasClient> {
  const nas = holdsNul(name) ? undefined : await findNasByName(services.db, name.trim())
  if (!nas) throw new DomainError(`NAS "${name}" not found`)
  return nas
}

interface KnownNetwork {
  readonly nas: NasClient
  readonly prefix: number
  readonly inside: (address: string) => boolean
}

const networksOf = new WeakMap<Settings, readonly KnownNetwork[]>()

/** Every network of every NAS, the longest prefixes first (ties in name order), made once per settings version. */
function knownNetworks(settings: Settings): readonly KnownNetwork[] {
  let known = networksOf.get(settings)
  if (!known) {
    known = settings.nasClients
      .flatMap((nas) => (JSON.parse(nas.networks) as string[]).map((network) => ({ nas, prefix: Number(network.split('/')[1]), inside: matcher([network]) })))
      .sort((a, b) => b.prefix - a.prefix)
    networksOf.set(settings, known)
  }
  return known
}

/**
 * The NAS a packet comes from: the one whose network holds its source address most narrowly, so
 * that one firewall's /32 inside a site's /24 is that firewall's. None: the packet is dropped.
 */
export function nasFor(settings: Settings, address: string): NasClient | undefined {
  return knownNetworks(settings).find(({ inside }) => inside(address))?.nas
}

const opened = new WeakMap<NasClient, Buffer>()

/**
 * A NAS's shared secret, as the bytes packets are checked with, opened once per row of the
 * settings (every packet needs it). Throws when this master key does not open it (a database
 * moved without its key file).
 */
export function nasSecret(keys: Keys, nas: NasClient): Buffer {
  let secret = opened.get(nas)
  if (secret === undefined) {
    try {
      secret = Buffer.from(decrypt(keys, nas.secret, secretContext(nas.id)))
    } catch {
      throw new DomainError(`the secret of NAS "${nas.name}" cannot be opened with this master key: set it again`)
    }
    opened.set(nas, secret)
  }
  return secret
}

const openedOrUndefined = (keys: Keys, nas: NasClient) => {
  try {
    return nasSecret(keys, nas).toString()
  } catch {
    return undefined
  }
}

/** A NAS under `auto` sent a Message-Authenticator: from now on every node requires it. */
export async function learnMessageAuthenticator(services: Services, nas: NasClient): Promise<void> {
  if (nas.message_authenticator === 'auto' && nas.seen_message_authenticator === 0) await markMessageAuthenticatorSeen(services.db, nas.id)
}

const view = (nas: NasClient): NasView => ({
  name: nas.name,
  networks: JSON.parse(nas.networks) as string[],
  identifier: nas.identifier,
  messageAuthenticator: nas.message_authenticator,
  messageAuthenticatorSeen: nas.seen_message_authenticator === 1,
  twoStage: nas.two_stage === 1,
  checkPassword: nas.check_password === 1,
  groups: nas.groups_keyword !== null && nas.group_format !== null ? { keyword: nas.groups_keyword, format: nas.group_format } : null,
  createdAt: nas.created_at,
})
