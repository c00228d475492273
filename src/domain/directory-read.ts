import type { Repository } from '../db/schema/index.js'
import { type DirectoryEntry, type DirectorySession, type DirectoryTarget, openDirectory } from '../directory/ldap.js'
import { accountDisabled, presetNames, presets } from '../directory/presets.js'
import { directoryUserName } from './directory-names.js'
import type { Conflict, DirectoryPerson, Pause } from './directory-plan.js'

export interface DirectoryRead {
  readonly people: DirectoryPerson[]
  /** Entries read (matching the filter), before the group rule. */
  readonly entries: number
  /** Entries that cannot be users (no name, a name that is not allowed). */
  readonly skipped: Conflict[]
  /** When no entry matched the filter: what the directory holds instead, and what to change. */
  readonly hint?: string
}

export const targetOf = (repository: Repository): DirectoryTarget => ({
  url: repository.url,
  startTls: repository.start_tls === 1,
  allowPlain: repository.allow_plain_ldap === 1,
  caPem: repository.ca_pem ?? undefined,
})

/** DNs as one directory may spell them differently: case and spaces around `,` and `=` do not matter. */
export const normaliseDn = (dn: string) => (/\s/.test(dn) ? dn.replace(/\s*([,=+])\s*/g, '$1').trim() : dn).toLowerCase()

const first = (entry: DirectoryEntry, attribute: string) => entry.attributes.get(attribute.toLowerCase())?.[0]?.trim() || undefined
const email = (value: string | undefined) => (value && /^[^\s@]+@[^\s@]+$/.test(value) ? value : null)
const phone = (value: string | undefined) => (value && /^\+?[0-9 ()-]{3,32}$/.test(value) ? value : null)

/** Members of a group, as normalised DNs and as names (posixGroup's memberUid holds names). */
async function membersOf(session: DirectorySession, group: string, pause: Pause): Promise<Set<string>> {
  const members = new Set<string>()
  let n = 0
  for (const member of await session.members(group)) {
    members.add(normaliseDn(member))
    // a group of many thousand members: requests waiting meanwhile are served now and then
    if (++n % 1000 === 0) await pause()
  }
  return members
}

/** The most groups kept of one user, and the longest name: what one RADIUS attribute can carry. */
const maxGroups = 256
const maxGroupName = 253

/** A group's name: the value of its DN's first part (`cn=VPN Users,ou=groups,…` is `VPN Users`). */
export function groupName(dn: string): string | undefined {
  const value = /^[^=,]+=((?:\\.|[^,\\])*)/.exec(dn.trim())?.[1]
  const name = value?.replace(/\\(.)/g, '$1').trim()
  return name && Buffer.byteLength(name) <= maxGroupName ? name : undefined
}

/** The repository's groups (and its mobile group) with their members, by normalised DN. */
type Groups = ReadonlyMap<string, { readonly dn: string; readonly members: Set<string> }>

async function groupsOf(session: DirectorySession, repository: Repository, pause: Pause): Promise<Groups> {
  const dns = [...new Set([...(JSON.parse(repository.groups) as string[]), ...(repository.mobile_group ? [repository.mobile_group] : [])])]
  const groups = new Map<string, { readonly dn: string; readonly members: Set<string> }>()
  for (const dn of dns) groups.set(normaliseDn(dn), { dn, members: await membersOf(session, dn, pause) })
  return groups
}

/**
 * A person's groups by name: those the entry's `memberOf` names (Active Directory, OpenLDAP's
 * memberof overlay), and the repository's own groups that list them; sorted, at most maxGroups.
 */
function groupNames(entry: DirectoryEntry, groups: Groups, member: (set: Set<string> | undefined) => boolean): string[] {
  const dns = [...(entry.attributes.get('memberof') ?? []), ...[...groups.values()].filter((group) => member(group.members)).map((group) => group.dn)]
  const names = new Set(dns.map(groupName).filter((name) => name !== undefined))
  return [...names].sort().slice(0, maxGroups)
}

/**
 * Read every entry of the repository (paged), keep the members of its groups, and say for each
 * whether it is in the mobile group and disabled. Throws DirectoryUnavailable; nothing is
 * written here, so a directory that cannot be read changes nothing. `pause` is awaited after each
 * page and now and then in a large group, so that a caller can give the event loop a turn.
 */
export async function readDirectory(repository: Repository, bindPassword: string, pause: Pause): Promise<DirectoryRead> {
  const preset = presets[repository.preset]
  const listed = JSON.parse(repository.groups) as string[]
  const session = await openDirectory(targetOf(repository), repository.bind_dn, bindPassword)
  try {
    const groups = await groupsOf(session, repository, pause)
    const union = (dns: readonly string[]) => (dns.length > 0 ? new Set(dns.flatMap((dn) => [...(groups.get(normaliseDn(dn))?.members ?? [])])) : undefined)
    const allowed = union(listed)
    const mobile = repository.mobile_group ? union([repository.mobile_group]) : undefined
    const attributes = [repository.username_attr, repository.email_attr, repository.phone_attr, 'memberOf', ...(preset.disabledAttr ? [preset.disabledAttr] : [])]
    const people: DirectoryPerson[] = []
    const skipped: Conflict[] = []
    let entries = 0
    for await (const page of session.entries(repository.base_dn, repository.filter, attributes)) {
      for (const entry of page) {
        entries++
        const raw = first(entry, repository.username_attr)
        const name = directoryUserName(raw)
        if (!name) {
          skipped.push({ name: raw ?? entry.dn, reason: raw ? 'the name is not allowed' : `the entry has no ${repository.username_attr}` })
          continue
        }
        const dn = normaliseDn(entry.dn)
        const member = (set: Set<string> | undefined) => set === undefined || set.has(dn) || set.has(name.toLowerCase())
        if (!member(allowed)) continue
        people.push({
          dn: entry.dn,
          name,
          email: email(first(entry, repository.email_attr)),
          phone: phone(first(entry, repository.phone_attr)),
          disabled: preset.disabledAttr ? accountDisabled(first(entry, preset.disabledAttr)) : false,
          mobileMember: member(mobile),
          groups: groupNames(entry, groups, member),
        })
      }
      // pages the client has already received would follow each other in one turn of the event
      // loop: requests waiting meanwhile are served between two
      await pause()
    }
    return entries > 0 ? { people, entries, skipped } : { people, entries, skipped, hint: await whyEmpty(session, repository) }
  } finally {
    await session.close()
  }
}

/**
 * A filter that matches nothing is most often another kind of directory's (an OpenLDAP directory
 * added with Active Directory's preset): which preset's users are under the base, and the
 * settings that would find them.
 */
async function whyEmpty(session: DirectorySession, repository: Repository): Promise<string> {
  for (const name of presetNames) {
    const preset = presets[name]
    if (!(await session.anyEntry(repository.base_dn, preset.probe))) continue
    const found = `entries there have ${preset.signs}, as ${preset.label} users do`
    if (name === repository.preset) return `${found}: check the filter (the ${preset.label} preset's is ${preset.filter})`
    const change = [
      `--preset ${name}`,
      ...(preset.filter !== repository.filter ? [`--filter '${preset.filter}'`] : []),
      ...(preset.usernameAttr !== repository.username_attr ? [`--username-attr ${preset.usernameAttr}`] : []),
      ...(preset.emailAttr !== repository.email_attr ? [`--email-attr ${preset.emailAttr}`] : []),
      ...(preset.phoneAttr !== repository.phone_attr ? [`--phone-attr ${preset.phoneAttr}`] : []),
    ]
    return `${found}: agentxml repository set ${repository.name} ${change.join(' ')}`
  }
  const labels = presetNames.map((name) => presets[name].label).join(' or ')
  return `no entry there looks like a user of ${labels}: check the base DN, the filter, and what ${repository.bind_dn} may read`
}
