import { findUserByKey } from '../../src/db/repositories/users.js'
import { nameKey } from '../../src/domain/user-names.js'
import type { User } from '../../src/db/schema/index.js'
import { addRepository, type RepositorySettings } from '../../src/domain/repositories.js'
import type { Services } from '../../src/domain/services.js'
import { groupDn, groupLdif, peopleDn, type Person, personLdif, serviceDn, servicePassword, type Slapd, startSlapd } from './slapd.js'

/** The test directory: eight people, all in "staff", three of them in "mobile"; a size limit of 5 forces paging. */
export const people: readonly Person[] = [
  { uid: 'alice', mail: 'alice@example.com', mobile: '+44 7700 900001', password: 'alice-directory-pw' },
  { uid: 'bob', mail: 'bob@example.com', mobile: '+44 7700 900002', password: 'bob-directory-pw' },
  { uid: 'carol', mail: 'carol@example.com', password: 'carol-directory-pw' },
  { uid: 'dave', mail: 'dave@example.com' },
  { uid: 'erin', mail: 'erin@example.com' },
  { uid: 'frank', mail: 'frank@example.com' },
  { uid: 'grace', mail: 'grace@example.com' },
  { uid: 'heidi', mail: 'heidi@example.com' },
]
export const mobileMembers = ['alice', 'bob', 'carol']

export async function startDirectory(options: { logOperations?: boolean } = {}): Promise<Slapd> {
  const slapd = await startSlapd({ sizeLimit: 5, ...options })
  await slapd.add(people.map(personLdif).join('') + groupLdif('staff', people.map((p) => p.uid)) + groupLdif('mobile', mobileMembers))
  return slapd
}

/** On slapd's plain listener, allowed by name (test/repository-tls.test.ts covers TLS and the refusal). */
export const repositorySettings = (slapd: Slapd, extra: RepositorySettings = {}) => ({
  name: 'corp',
  preset: 'openldap' as const,
  url: slapd.url,
  allowPlainLdap: true,
  bindDn: serviceDn,
  bindPassword: servicePassword,
  baseDn: peopleDn,
  groups: [groupDn('staff')],
  mobileGroup: groupDn('mobile'),
  transport: 'outbox',
  intervalMinutes: 0,
  ...extra,
})

export async function addTestRepository(services: Services, slapd: Slapd, extra: RepositorySettings = {}): Promise<void> {
  await addRepository(services, repositorySettings(slapd, extra))
}

export async function userNamed(services: Services, name: string): Promise<User | undefined> {
  return findUserByKey(services.db, nameKey(name))
}

/** Every user with what a sync sets, for "nothing changed" comparisons. */
export async function snapshot(services: Services) {
  return services.db.selectFrom('users').select(['name', 'email', 'phone', 'mobile', 'repository_id', 'removed_at', 'directory_disabled']).orderBy('name').execute()
}
