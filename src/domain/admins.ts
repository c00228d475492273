import { deleteSessionsOf } from '../db/repositories/admin-sessions.js'
import {
  countFailedSignIn,
  deleteAdminByName,
  findAdminByName,
  insertAdmin,
  listAdmins,
  updateAdmin,
} from '../db/repositories/admins.js'
import { clearRateLimit, hitRateLimit } from '../db/repositories/rate-limits.js'
import type { Admin } from '../db/schema/index.js'
import { adminMessages } from './admin-messages.js'
import { DomainError, InvalidInput } from './errors.js'
import { checkInTurn, waitAsChecking } from './password-checks.js'
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from './passwords.js'
import type { Services } from './services.js'

/** Five failed sign-ins in a row lock the account for fifteen minutes. */
export const maxFailedSignIns = 5
export const lockoutMinutes = 15

/**
 * Tries, counted before any password is checked and on every node: per account and per source
 * address in 15 minutes, however the requests are timed.
 */
export const signInLimits = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 } as const

/** The count of an account's tries (perAccount): cleared by a sign-in that passes and by a new password. */
const accountLimitKey = (name: string) => `admin-sign-in:account:${name}`

/**
 * Sign-ins being checked now in this process: one at a time per account and per address, so
 * that a burst cannot test passwords in parallel; another is refused at once. How many password
 * checks run at once is password-checks.ts's.
 */
const checking = { accounts: new Set<string>(), addresses: new Set<string>() }

export interface AdminView {
  readonly name: string
  readonly lockedUntil: number | undefined
  readonly failedSignIns: number
  readonly createdAt: number
}

const adminName = /^[\p{L}\p{N}._@-]{1,64}$/u

export function checkAdminName(name: string): string {
  const trimmed = name.trim()
  if (!adminName.test(trimmed)) {
    throw new InvalidInput(`administrator name "${name}" is not allowed (1 to 64 letters, digits, . _ @ -)`)
  }
  return trimmed
}

function checkPassword(password: string): string {
  const problem = passwordProblem(password)
  if (problem) throw new InvalidInput(problem)
  return password
}

async function requireAdmin(services: Services, name: string): Promise<Admin> {
  const admin = await findAdminByName(services.db, name)
  if (!admin) throw new DomainError(`administrator "${name}" not found`)
  return admin
}

export async function addAdmin(services: Services, name: string, password: string): Promise<void> {
  const checked = checkAdminName(name)
  const hash = await hashPassword(checkPassword(password), services.keys)
  if (await findAdminByName(services.db, checked)) throw new DomainError(`administrator "${checked}" already exists`)
  await insertAdmin(services.db, { name: checked, password_hash: hash, created_at: services.now() })
  services.log.info({ target: checked, event: 'adminAdded' }, adminMessages.adminAdded(checked))
}

/**
 * A new password also lifts a lockout and the account's sign-in limit, and ends every session of
 * that administrator: whoever was kept out by tries on their name signs in with it at once.
 */
export async function setAdminPassword(services: Services, name: string, password: string): Promise<void> {
  const admin = await requireAdmin(services, name)
  const hash = await hashPassword(checkPassword(password), services.keys)
  await updateAdmin(services.db, admin.id, { password_hash: hash, failed_signins: 0, locked_until: null })
  await clearRateLimit(services.db, accountLimitKey(admin.name))
  await deleteSessionsOf(services.db, admin.id)
  services.log.info({ target: admin.name, event: 'adminPasswordSet' }, adminMessages.adminPasswordSet(admin.name))
}

export async function deleteAdmin(services: Services, name: string): Promise<void> {
  // sessions go with the row (ON DELETE CASCADE)
  if (!(await deleteAdminByName(services.db, name))) throw new DomainError(`administrator "${name}" not found`)
  services.log.info({ target: name, event: 'adminDeleted' }, adminMessages.adminDeleted(name))
}

export async function adminList(services: Services): Promise<AdminView[]> {
  const now = services.now()
  return (await listAdmins(services.db)).map((admin) => ({
    name: admin.name,
    lockedUntil: admin.locked_until !== null && admin.locked_until > now ? admin.locked_until : undefined,
    failedSignIns: admin.failed_signins,
    createdAt: admin.created_at,
  }))
}

/**
 * Check a name and password from `address`. Every failure looks the same to the caller (unknown
 * name, wrong password, locked account, too many tries) and takes as long as a password check,
 * for an unknown name too; the reason goes only to the log.
 */
export async function signIn(services: Services, name: string, password: string, address: string): Promise<Admin | undefined> {
  const { log } = services
  const shown = name.trim().slice(0, 64)
  const fail = (reason: string) => {
    log.warn({ admin: shown, event: 'adminSignInFailed', reason }, adminMessages.adminSignInFailed(shown))
    return undefined
  }
  if (checking.accounts.has(shown) || checking.addresses.has(address)) return fail('another sign-in is being checked')
  checking.accounts.add(shown)
  checking.addresses.add(address)
  try {
    return await checkSignIn(services, name, password, address, fail)
  } finally {
    checking.accounts.delete(shown)
    checking.addresses.delete(address)
  }
}

async function checkSignIn(
  services: Services,
  name: string,
  password: string,
  address: string,
  fail: (reason: string) => undefined,
): Promise<Admin | undefined> {
  const { log } = services
  const { perAccount, perAddress, windowMs } = signInLimits
  // a name no administrator can have (too long, a U+0000, any other character the rule refuses)
  // is no account: it is counted by address only and not looked up, and fails as an unknown one
  const account = adminName.test(name.trim()) ? name.trim() : undefined
  // the try is counted before the password is checked, in one statement each
  const [byAddress, byAccount] = await Promise.all([
    hitRateLimit(services.db, `admin-sign-in:address:${address}`, windowMs, services.now()),
    account === undefined ? undefined : hitRateLimit(services.db, accountLimitKey(account), windowMs, services.now()),
  ])
  if (byAddress.hits > perAddress) return fail('too many tries from this address')
  if (byAccount && byAccount.hits > perAccount) return fail('too many tries for this account')
  const admin = account === undefined ? undefined : await findAdminByName(services.db, account)
  if (!admin) {
    await waitAsChecking(() => verifyPassword(password, decoyHash, services.keys))
    return fail('unknown administrator')
  }
  const matches = await checkInTurn(() => verifyPassword(password, admin.password_hash, services.keys))
  if (matches === undefined) return fail('too many password checks waiting')
  const now = services.now()
  if (admin.locked_until !== null && admin.locked_until > now) return fail('account locked')
  if (!matches) {
    const failures = await countFailedSignIn(services.db, admin.id)
    fail('wrong password')
    if (failures >= maxFailedSignIns) {
      await updateAdmin(services.db, admin.id, { failed_signins: 0, locked_until: now + lockoutMinutes * 60_000 })
      log.warn({ admin: admin.name, event: 'adminLocked' }, adminMessages.adminLocked(admin.name, lockoutMinutes))
    }
    return undefined
  }
  await updateAdmin(services.db, admin.id, { failed_signins: 0, locked_until: null })
  await clearRateLimit(services.db, accountLimitKey(admin.name))
  log.info({ admin: admin.name, event: 'adminSignIn' }, adminMessages.adminSignIn(admin.name))
  return admin
}
