import { countRepositoryUsers, deleteRepositoryUsers, detachRepositoryUsers } from '../db/repositories/directory-users.js'
import {
  deleteRepository as deleteRepositoryRow,
  findRepositoryByName,
  insertRepository,
  listRepositories,
  type RepositoryChanges,
  updateRepository,
} from '../db/repositories/repositories.js'
import { recentSyncRuns } from '../db/repositories/sync-runs.js'
import type { Repository, RepositoryPreset, SyncRun } from '../db/schema/index.js'
import { inTransaction } from '../db/engine.js'
import { inClear } from '../directory/ldap.js'
import { presets } from '../directory/presets.js'
import { decrypt, encrypt } from '../secrets.js'
import { directoryMessages } from './directory-messages.js'
import { DomainError } from './errors.js'
import { holdsNul } from './nul.js'
import { BindPasswordNeeded, checkRepositorySettings, PlainLdapRefused, type RepositorySettings } from './repository-settings.js'
import type { Services } from './services.js'

export { BindPasswordNeeded, PlainLdapRefused, type RepositorySettings }

export class RepositoryNotFound extends DomainError {
  constructor(readonly repository: string) {
    super(`user repository "${repository}" not found`)
  }
}

export interface RepositoryView {
  readonly repository: Repository
  readonly users: { readonly total: number; readonly removed: number }
  /** Newest first. */
  readonly runs: readonly SyncRun[]
}

const bindContext = (id: number) => `repository-bind:${id}`

export const sealBindPassword = (services: Services, id: number, password: string) => encrypt(services.keys, password, bindContext(id))
export function openBindPassword(services: Services, repository: Repository): string {
  try {
    return decrypt(services.keys, repository.bind_password, bindContext(repository.id))
  } catch {
    // sealed with another master key (a database moved without its key file)
    throw new DomainError(`the bind password of user repository "${repository.name}" cannot be opened with this master key: set it again`)
  }
}

export async function requireRepository(services: Services, name: string): Promise<Repository> {
  const repository = holdsNul(name) ? undefined : await findRepositoryByName(services.db, name)
  if (!repository) throw new RepositoryNotFound(name)
  return repository
}

export async function addRepository(services: Services, settings: RepositorySettings & { readonly name: string }): Promise<void> {
  const checked = checkRepositorySettings(settings, undefined)
  const preset: RepositoryPreset = checked.preset ?? 'ad'
  const defaults = presets[preset]
  if (!checked.bindPassword) throw new DomainError('a repository needs a bind password (--bind-password-file or AGENTXML_BIND_PASSWORD)')
  const password = checked.bindPassword
  const name = checked.name as string
  await inTransaction(services.db, async (trx) => {
    if (await findRepositoryByName(trx, name)) throw new DomainError(`user repository "${name}" already exists`)
    const id = await insertRepository(trx, {
      name,
      type: 'ldap',
      preset,
      url: checked.url as string,
      start_tls: checked.startTls ? 1 : 0,
      allow_plain_ldap: checked.allowPlainLdap ? 1 : 0,
      ca_pem: checked.caPem ?? null,
      bind_dn: checked.bindDn as string,
      // sealed once the id it is bound to is known, in the same transaction
      bind_password: Buffer.alloc(0),
      base_dn: checked.baseDn as string,
      filter: checked.filter ?? defaults.filter,
      username_attr: checked.usernameAttr ?? defaults.usernameAttr,
      email_attr: checked.emailAttr ?? defaults.emailAttr,
      phone_attr: checked.phoneAttr ?? defaults.phoneAttr,
      groups: JSON.stringify(checked.groups ?? []),
      mobile_group: checked.mobileGroup ?? null,
      user_transport: checked.transport ?? 'email',
      interval_minutes: checked.intervalMinutes ?? 60,
      grace_days: checked.graceDays ?? 3,
      max_removal_percent: checked.maxRemovalPercent ?? 20,
      created_at: services.now(),
    })
    await updateRepository(trx, id, { bind_password: sealBindPassword(services, id, password) })
  })
  services.log.info({ repository: name, event: 'repositoryAdded' }, directoryMessages.repositoryAdded(name))
}

/**
 * Change what is given and leave the rest; a bind password is sealed again. A new URL, StartTLS
 * setting, CA or bind DN without the bind password changes nothing (BindPasswordNeeded).
 */
export async function changeRepository(services: Services, name: string, settings: RepositorySettings): Promise<void> {
  const repository = await requireRepository(services, name)
  const checked = checkRepositorySettings(settings, repository)
  const changes: RepositoryChanges = {
    ...(checked.name !== undefined && { name: checked.name }),
    ...(checked.preset !== undefined && { preset: checked.preset }),
    ...(checked.url !== undefined && { url: checked.url }),
    ...(checked.startTls !== undefined && { start_tls: checked.startTls ? 1 : 0 }),
    // always checked (true exactly on plain LDAP): stored when it differs
    ...((checked.allowPlainLdap ? 1 : 0) !== repository.allow_plain_ldap && { allow_plain_ldap: checked.allowPlainLdap ? 1 : 0 }),
    ...(checked.caPem !== undefined && { ca_pem: checked.caPem === '' ? null : checked.caPem }),
    ...(checked.bindDn !== undefined && { bind_dn: checked.bindDn }),
    ...(checked.bindPassword !== undefined && { bind_password: sealBindPassword(services, repository.id, checked.bindPassword) }),
    ...(checked.baseDn !== undefined && { base_dn: checked.baseDn }),
    ...(checked.filter !== undefined && { filter: checked.filter }),
    ...(checked.usernameAttr !== undefined && { username_attr: checked.usernameAttr }),
    ...(checked.emailAttr !== undefined && { email_attr: checked.emailAttr }),
    ...(checked.phoneAttr !== undefined && { phone_attr: checked.phoneAttr }),
    ...(checked.groups !== undefined && { groups: JSON.stringify(checked.groups) }),
    ...(checked.mobileGroup !== undefined && { mobile_group: checked.mobileGroup === '' ? null : checked.mobileGroup }),
    ...(checked.transport !== undefined && { user_transport: checked.transport }),
    ...(checked.intervalMinutes !== undefined && { interval_minutes: checked.intervalMinutes }),
    ...(checked.graceDays !== undefined && { grace_days: checked.graceDays }),
    ...(checked.maxRemovalPercent !== undefined && { max_removal_percent: checked.maxRemovalPercent }),
  }
  // names only: the log never carries the bind password
  const changed = Object.keys(changes).map((key) => (key === 'bind_password' ? 'bind password' : key.replace(/_/g, ' ')))
  if (changed.length === 0) return
  if (checked.name !== undefined && checked.name !== repository.name && (await findRepositoryByName(services.db, checked.name))) {
    throw new DomainError(`user repository "${checked.name}" already exists`)
  }
  await updateRepository(services.db, repository.id, changes)
  services.log.info({ repository: repository.name, event: 'repositoryChanged' }, directoryMessages.repositoryChanged(repository.name, changed.join(', ')))
}

/**
 * Delete a repository. Its users are never deleted by surprise: while it has any, the caller
 * says whether they are kept (as local users) or deleted with it.
 */
export async function removeRepository(services: Services, name: string, users?: 'keep' | 'delete'): Promise<number> {
  const repository = await requireRepository(services, name)
  const { total } = await countRepositoryUsers(services.db, repository.id)
  if (total > 0 && users === undefined) {
    throw new DomainError(`user repository "${name}" has ${total} users: say whether they are kept as local users (--keep-users) or deleted (--delete-users)`)
  }
  const affected = await inTransaction(services.db, async (trx) => {
    const count = users === 'delete' ? await deleteRepositoryUsers(trx, repository.id) : await detachRepositoryUsers(trx, repository.id)
    await deleteRepositoryRow(trx, repository.id)
    return count
  })
  const what = users === 'delete' ? `deleted (${affected})` : `kept as local users (${affected})`
  services.log.info({ repository: name, event: 'repositoryDeleted' }, directoryMessages.repositoryDeleted(name, what))
  return affected
}

/**
 * Whether a repository uses plain LDAP (ldap:// without StartTLS) and may: 'refused' is one stored
 * before the permission existed, which the directory code will not connect.
 */
export function plainLdapOf(r: Repository): 'allowed' | 'refused' | undefined {
  if (!inClear({ url: r.url, startTls: r.start_tls === 1 })) return undefined
  return r.allow_plain_ldap === 1 ? 'allowed' : 'refused'
}

/** One warning a repository on plain LDAP, at every start of the server. */
export async function warnPlainLdap(services: Services): Promise<void> {
  for (const r of await listRepositories(services.db)) {
    const plain = plainLdapOf(r)
    if (!plain) continue
    const message = plain === 'allowed' ? directoryMessages.plainLdapAllowed(r.name, r.url) : directoryMessages.plainLdapRefused(r.name, r.url)
    services.log.warn({ repository: r.name, url: r.url }, message)
  }
}

export async function repositoryList(services: Services): Promise<RepositoryView[]> {
  const repositories = await listRepositories(services.db)
  return Promise.all(repositories.map((repository) => viewOf(services, repository, 1)))
}

export async function describeRepository(services: Services, name: string, runs = 10): Promise<RepositoryView> {
  return viewOf(services, await requireRepository(services, name), runs)
}

async function viewOf(services: Services, repository: Repository, runs: number): Promise<RepositoryView> {
  return {
    repository,
    users: await countRepositoryUsers(services.db, repository.id),
    runs: await recentSyncRuns(services.db, repository.id, runs),
  }
}
