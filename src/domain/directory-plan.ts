import type { DirectoryUserChanges, SyncedUserRow } from '../db/repositories/directory-users.js'
import { defaultTransport, reaches } from './default-transport.js'
import { nameKey } from './directory-names.js'
import { LookAlikes, looksLikeReason } from './name-skeleton.js'

/**
 * What a sync would change, decided in plain code from what the directory holds and what the
 * database holds: no I/O here, so every rule is unit-tested without a directory or a database.
 */

/** A directory entry, read and checked. */
export interface DirectoryPerson {
  readonly dn: string
  readonly name: string
  readonly email: string | null
  readonly phone: string | null
  readonly disabled: boolean
  /** Member of the repository's mobile group (true when it has none). */
  readonly mobileMember: boolean
  /** The names of the directory groups the entry is in (directory-read.ts): RADIUS's --groups. */
  readonly groups: readonly string[]
}

export interface PlannedUpdate {
  readonly id: number
  readonly name: string
  readonly changes: DirectoryUserChanges
  /** The user had been marked removed and their entry is back. */
  readonly restored: boolean
}

export interface Conflict {
  readonly name: string
  readonly reason: string
}

export interface SyncPlan {
  readonly add: readonly DirectoryPerson[]
  readonly update: readonly PlannedUpdate[]
  /** Users whose entry disappeared: marked removed now, deleted after the grace period. */
  readonly remove: readonly SyncedUserRow[]
  /** Users marked removed longer ago than the grace period. */
  readonly delete: readonly SyncedUserRow[]
  readonly conflicts: readonly Conflict[]
  /** The repository's users not marked removed before this sync. */
  readonly active: number
}

export interface PlanInput {
  readonly repositoryId: number
  readonly people: readonly DirectoryPerson[]
  /** Every user, of every repository and local: a name may already be taken. */
  readonly users: readonly SyncedUserRow[]
  readonly now: number
  readonly graceMs: number
  /** The repository's transport for new users, where it reaches them (default-transport.ts). */
  readonly transport?: string
}

/** The mobile right follows the mobile group; a disabled or removed account has none. */
export const mobileRight = (person: DirectoryPerson) => (person.mobileMember && !person.disabled ? 1 : 0)

/** A person's groups as the users table keeps them: a JSON array, null for none. */
export const groupsColumn = (person: DirectoryPerson) => (person.groups.length > 0 ? JSON.stringify(person.groups) : null)

/** A user's groups as groupsColumn kept them; none for a local user. */
export const groupsOfUser = (user: { readonly directory_groups: string | null }): string[] => (user.directory_groups ? (JSON.parse(user.directory_groups) as string[]) : [])

/** The transport a new user of this entry gets: the repository's where it reaches them, else the default rule. */
export const transportFor = (person: DirectoryPerson, preferred: string | undefined) => defaultTransport(person, preferred)

function changesFor(user: SyncedUserRow, person: DirectoryPerson, preferred: string | undefined): DirectoryUserChanges {
  const wanted: Required<DirectoryUserChanges> = {
    email: person.email,
    phone: person.phone,
    // a transport the entry no longer has a destination for (or never had: email for an entry with
    // only a phone number) would leave the user unable to receive a code: the default rule instead
    transport: reaches(user.transport, person) ? user.transport : transportFor(person, preferred),
    mobile: mobileRight(person),
    directory_dn: person.dn,
    directory_disabled: person.disabled ? 1 : 0,
    directory_groups: groupsColumn(person),
    removed_at: null,
  }
  const changes: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(wanted)) {
    if (user[key as keyof SyncedUserRow] !== value) changes[key] = value
  }
  return changes as DirectoryUserChanges
}

/** Every `turn` items the plan lets the event loop run (a plan of 100 000 entries takes a while). */
const turn = 1000
export type Pause = () => Promise<void>

/** Entries whose name is taken twice in the directory are reported, and none of them is used. */
async function uniquePeople(people: readonly DirectoryPerson[], conflicts: Conflict[], pause: Pause): Promise<Map<string, DirectoryPerson>> {
  const byKey = new Map<string, DirectoryPerson>()
  const doubled = new Set<string>()
  let n = 0
  for (const person of people) {
    if (++n % turn === 0) await pause()
    const key = nameKey(person.name)
    if (byKey.has(key)) doubled.add(key)
    else byKey.set(key, person)
  }
  for (const key of doubled) {
    conflicts.push({ name: byKey.get(key)?.name ?? key, reason: 'more than one directory entry has this name' })
  }
  return byKey
}

/** The plan; `pause` is awaited now and then, so that a caller can give the event loop a turn. */
export async function planSync(input: PlanInput, pause: Pause = async () => {}): Promise<SyncPlan> {
  const conflicts: Conflict[] = []
  const people = await uniquePeople(input.people, conflicts, pause)
  const doubled = new Set(conflicts.map((c) => nameKey(c.name)))
  const add: DirectoryPerson[] = []
  const update: PlannedUpdate[] = []
  const remove: SyncedUserRow[] = []
  const deleted: SyncedUserRow[] = []
  let active = 0
  const taken = new Map<string, SyncedUserRow>()
  const names = new LookAlikes()
  let n = 0
  for (const user of input.users) {
    if (++n % turn === 0) await pause()
    taken.set(nameKey(user.name), user)
    names.claim(user.name)
  }

  for (const [key, person] of people) {
    if (++n % turn === 0) await pause()
    if (doubled.has(key)) continue
    const user = taken.get(key)
    const other = user ? undefined : names.claim(person.name)
    if (other !== undefined) conflicts.push({ name: person.name, reason: looksLikeReason(other) })
    else if (!user) add.push(person)
    else if (user.repository_id !== input.repositoryId) {
      conflicts.push({ name: person.name, reason: user.repository_id === null ? 'a local user has this name' : 'a user of another repository has this name' })
    } else {
      const changes = changesFor(user, person, input.transport)
      if (Object.keys(changes).length > 0) update.push({ id: user.id, name: user.name, changes, restored: user.removed_at !== null })
    }
  }

  for (const user of input.users) {
    if (++n % turn === 0) await pause()
    if (user.repository_id !== input.repositoryId) continue
    if (user.removed_at === null) active++
    const key = nameKey(user.name)
    // a name the directory holds twice keeps its user as it is: nothing is decided on a doubt
    if (people.has(key) || doubled.has(key)) continue
    if (user.removed_at === null) remove.push(user)
    else if (user.removed_at + input.graceMs <= input.now) deleted.push(user)
  }
  return { add, update, remove, delete: deleted, conflicts, active }
}

/** Whether the plan removes more than `percent` of the repository's users (then the sync stops). */
export function removesTooMany(plan: SyncPlan, percent: number): boolean {
  return plan.active > 0 && plan.remove.length * 100 > plan.active * percent
}
