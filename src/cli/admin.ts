import { addAdmin, adminList, deleteAdmin, setAdminPassword } from '../domain/admins.js'
import { readNewPassword } from './password.js'
import { formatTime, type Io, parse, positional, print, table, UsageError, withServices } from './shared.js'

/** `agentxml admin add NAME | list | delete NAME | set-password NAME`: the console's administrators. */
export async function admin(args: readonly string[], io: Io): Promise<void> {
  const [verb, ...rest] = args
  const { values, positionals } = parse(rest, {})
  const name = () => positional(positionals, 0, 'administrator name')
  if (verb !== 'add' && verb !== 'list' && verb !== 'delete' && verb !== 'set-password') {
    throw new UsageError(`unknown admin command "${verb ?? ''}"`)
  }
  // the name is checked and the password read before the database is opened
  const target = verb === 'list' ? '' : name()
  const password = verb === 'add' || verb === 'set-password' ? await readNewPassword(io) : ''
  await withServices(values, io, async (services) => {
    // each change logs its own line (and so reaches the audit log)
    if (verb === 'add') return addAdmin(services, target, password)
    if (verb === 'set-password') return setAdminPassword(services, target, password)
    if (verb === 'delete') return deleteAdmin(services, target)
    const rows = (await adminList(services)).map((a) => [
      a.name,
      a.lockedUntil ? `until ${formatTime(a.lockedUntil)}` : '-',
      String(a.failedSignIns),
      formatTime(a.createdAt),
    ])
    print(io, table([['NAME', 'LOCKED', 'FAILED SIGN-INS', 'CREATED'], ...rows]))
  })
}
