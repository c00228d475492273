import { nameSkeleton } from './name-skeleton.js'
import { nameKey } from './user-names.js'
import { deleteDirectoryUsers, insertUsers, pageSyncedUsers, type SyncedUserRow, updateDirectoryUser } from '../db/repositories/directory-users.js'
import { claimSync, releaseSync } from '../db/repositories/repositories.js'
import { insertSyncRun, pruneSyncRuns, updateSyncRun } from '../db/repositories/sync-runs.js'
import type { Repository, SyncStatus } from '../db/schema/index.js'
import { inTransaction } from '../db/engine.js'
import { DirectoryUnavailable } from '../directory/ldap.js'
import { directoryMessages } from './directory-messages.js'
import { type Conflict, groupsColumn, mobileRight, planSync, removesTooMany, type SyncPlan, transportFor } from './directory-plan.js'
import { readDirectory } from './directory-read.js'
import { DomainError } from './errors.js'
import { sendPinsOnCreate } from './pin-issue.js'
import { openBindPassword, requireRepository } from './repositories.js'
import type { Services } from './services.js'

export interface SyncOptions {
  readonly trigger: 'schedule' | 'command' | 'console'
  /** Read and compare, change nothing. */
  readonly dryRun?: boolean
  /** Go on even when the sync removes more than the repository's share. */
  readonly force?: boolean
}

export interface SyncReport {
  readonly repository: string
  readonly status: Exclude<SyncStatus, 'running'>
  readonly dryRun: boolean
  readonly entries: number
  readonly added: number
  readonly updated: number
  readonly removed: number
  readonly restored: number
  readonly deleted: number
  readonly conflicts: readonly Conflict[]
  /** Why it failed or stopped. */
  readonly error?: string
  /** Why it found no entries (syncEmpty): a sync of nothing is most often a filter of the wrong kind of directory. */
  readonly warning?: string
}

const day = 86_400_000
/** Longer than any sync; a process that died mid-sync frees the repository when it lapses. */
const leaseMs = 30 * 60_000
/** Rows a transaction writes before the event loop gets a turn: logins keep flowing during a sync. */
const chunk = 25
const runsKept = 100
const conflictLines = 20

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

export function countsOf(report: Pick<SyncReport, 'entries' | 'added' | 'updated' | 'removed' | 'restored' | 'deleted' | 'conflicts'>): string {
  const { entries, added, updated, removed, restored, deleted, conflicts } = report
  return `${entries} entries, ${added} added, ${updated} updated, ${removed} marked removed, ${restored} restored, ${deleted} deleted, ${conflicts.length} not synchronised`
}

/** Every user, a page at a time. */
async function readUsers(services: Services): Promise<SyncedUserRow[]> {
  const users: SyncedUserRow[] = []
  for (let after = 0; ; ) {
    const page = await pageSyncedUsers(services.db, after, 2000)
    for (const user of page) users.push(user)
    if (page.length < 2000) return users
    after = page[page.length - 1]?.id ?? after
    await yieldTurn()
  }
}

async function inChunks<T>(services: Services, items: readonly T[], write: (trx: Services['db'], items: readonly T[]) => Promise<unknown>) {
  for (let start = 0; start < items.length; start += chunk) {
    await inTransaction(services.db, (trx) => write(trx, items.slice(start, start + chunk)))
    await yieldTurn()
  }
}

/**
 * Write the plan. In chunks, each its own transaction: a sync of 100 000 entries never holds
 * the write lock for long. Each step is safe to repeat, so a sync cut short is finished by the next.
 */
async function apply(services: Services, repository: Repository, plan: SyncPlan): Promise<GainedMobile> {
  const now = services.now()
  const added: number[] = []
  await inChunks(services, plan.add, async (trx, people) => {
    const rows = await insertUsers(
      trx,
      people.map((person) => ({
        name: person.name,
        name_key: nameKey(person.name),
        name_skeleton: nameSkeleton(person.name),
        pin: null,
        email: person.email,
        phone: person.phone,
        transport: transportFor(person, repository.user_transport),
        mobile: mobileRight(person),
        created_at: now,
        repository_id: repository.id,
        directory_dn: person.dn,
        directory_disabled: person.disabled ? 1 : 0,
        directory_groups: groupsColumn(person),
      })),
    )
    for (const row of rows) if (row.mobile === 1) added.push(row.id)
  })
  await inChunks(services, plan.update, async (trx, updates) => {
    for (const { id, changes } of updates) await updateDirectoryUser(trx, id, repository.id, changes)
  })
  await inChunks(services, plan.remove, async (trx, users) => {
    for (const user of users) await updateDirectoryUser(trx, user.id, repository.id, { removed_at: now, mobile: 0 })
  })
  await inChunks(services, plan.delete, async (trx, users) => void (await deleteDirectoryUsers(trx, users.map((u) => u.id), repository.id)))
  // a change of the mobile right is only ever to 1 from 0: the plan holds what differs
  return { added, joined: plan.update.filter((update) => update.changes.mobile === 1).map((update) => update.id) }
}

/** Users who have the mobile right now and did not before this sync: new ones, and those who joined the mobile group. */
interface GainedMobile {
  readonly added: readonly number[]
  readonly joined: readonly number[]
}

function logChanges(services: Services, repository: Repository, plan: SyncPlan): void {
  const { log } = services
  for (const user of plan.remove) {
    log.info({ repository: repository.name, user: user.name, event: 'directoryUserRemoved' }, directoryMessages.userRemoved(repository.name, user.name, repository.grace_days))
  }
  for (const update of plan.update) {
    if (update.restored) log.info({ repository: repository.name, user: update.name, event: 'directoryUserRestored' }, directoryMessages.userRestored(repository.name, update.name))
  }
  for (const user of plan.delete) {
    log.info({ repository: repository.name, user: user.name, event: 'directoryUserDeleted' }, directoryMessages.userDeleted(repository.name, user.name))
  }
}

function logConflicts(services: Services, repository: Repository, conflicts: readonly Conflict[]): void {
  for (const conflict of conflicts.slice(0, conflictLines)) {
    services.log.warn(
      { repository: repository.name, user: conflict.name, reason: conflict.reason, event: 'syncConflict' },
      directoryMessages.syncConflict(repository.name, conflict.name, conflict.reason),
    )
  }
  if (conflicts.length > conflictLines) {
    services.log.warn({ repository: repository.name, more: conflicts.length - conflictLines }, `User repository "${repository.name}": ${conflicts.length - conflictLines} more names not synchronised`)
  }
}

/**
 * Synchronise one repository (on demand or by the schedule). A directory that cannot be read
 * changes nothing; a sync that would remove more than the repository's share stops; users
 * whose entry disappeared are marked removed and deleted only after the grace period.
 */
export async function syncRepository(services: Services, name: string, options: SyncOptions): Promise<SyncReport> {
  const repository = await requireRepository(services, name)
  const dryRun = options.dryRun === true
  const startedAt = services.now()
  if (!(await claimSync(services.db, repository.id, startedAt, startedAt + leaseMs))) {
    throw new DomainError(`a synchronisation of user repository "${repository.name}" is already running`)
  }
  const fields = { repository: repository.name, trigger: options.trigger, dryRun }
  const runId = await insertSyncRun(services.db, { repository_id: repository.id, trigger: options.trigger, dry_run: dryRun ? 1 : 0, status: 'running', started_at: startedAt })
  services.log.info({ ...fields, event: 'syncStarted' }, directoryMessages.syncStarted(repository.name))
  let report: SyncReport
  try {
    report = await run(services, repository, options)
  } catch (err) {
    if (!(err instanceof DirectoryUnavailable)) {
      const error = err instanceof DomainError ? err.message : 'internal error'
      await updateSyncRun(services.db, runId, { status: 'failed', finished_at: services.now(), error })
      throw err
    }
    report = { repository: repository.name, status: 'failed', dryRun, entries: 0, added: 0, updated: 0, removed: 0, restored: 0, deleted: 0, conflicts: [], error: err.message }
  } finally {
    await releaseSync(services.db, repository.id)
  }
  const { entries, added, updated, removed, restored, deleted, conflicts, error } = report
  await updateSyncRun(services.db, runId, {
    status: report.status,
    finished_at: services.now(),
    entries, added, updated, removed, restored, deleted,
    conflicts: conflicts.length,
    // the console and repository show name the last run's problem: a warning of an ok run is one
    error: [error, report.warning].filter(Boolean).join('; ') || null,
    detail: conflicts.length ? JSON.stringify(conflicts.slice(0, 50)) : null,
  })
  await pruneSyncRuns(services.db, repository.id, runsKept)
  const counts = { entries, added, updated, removed, restored, deleted, conflicts: conflicts.length }
  if (report.warning) services.log.warn({ ...fields, event: 'syncEmpty', reason: report.warning }, report.warning)
  if (report.status === 'failed') {
    services.log.error({ ...fields, event: 'syncFailed', reason: error }, directoryMessages.syncFailed(repository.name, error ?? ''))
  } else if (report.status === 'ok') {
    services.log.info({ ...fields, ...counts, event: 'syncFinished', reason: countsOf(report) }, directoryMessages.syncFinished(repository.name, `${countsOf(report)}${dryRun ? ' (dry run: nothing was changed)' : ''}`))
  }
  return report
}

async function run(services: Services, repository: Repository, options: SyncOptions): Promise<SyncReport> {
  const dryRun = options.dryRun === true
  const read = await readDirectory(repository, openBindPassword(services, repository), yieldTurn)
  const users = await readUsers(services)
  const plan = await planSync(
    { repositoryId: repository.id, people: read.people, users, now: services.now(), graceMs: repository.grace_days * day, transport: repository.user_transport },
    yieldTurn,
  )
  const conflicts = [...read.skipped, ...plan.conflicts]
  const restored = plan.update.filter((u) => u.restored).length
  const report = {
    repository: repository.name,
    dryRun,
    entries: read.entries,
    added: plan.add.length,
    updated: plan.update.length - restored,
    removed: plan.remove.length,
    restored,
    deleted: plan.delete.length,
    conflicts,
    ...(read.hint !== undefined && { warning: directoryMessages.syncEmpty(repository.name, repository.base_dn, repository.filter, read.hint) }),
  }
  if (removesTooMany(plan, repository.max_removal_percent) && options.force !== true) {
    const reason = directoryMessages.syncStopped(repository.name, plan.remove.length, plan.active, repository.max_removal_percent)
    services.log.warn({ repository: repository.name, trigger: options.trigger, event: 'syncStopped', reason: `would remove ${plan.remove.length} of ${plan.active}` }, reason)
    return { ...report, status: 'stopped', error: reason }
  }
  logConflicts(services, repository, conflicts)
  if (dryRun) return { ...report, status: 'ok' }
  const gained = await apply(services, repository, plan)
  logChanges(services, repository, plan)
  // nobody logs in without a PIN: users new to the mobile right get one (send-pin-on-create)
  await sendPinsOnCreate(services, gained.added, 'new user')
  await sendPinsOnCreate(services, gained.joined, 'mobile right')
  return { ...report, status: 'ok' }
}
