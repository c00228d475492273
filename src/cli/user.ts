import { lockedNow } from '../domain/lockout.js'
import { addUser, deleteUser, describeUser, setPin, unlockUser, userList } from '../domain/users.js'
import { importFile } from './user-import.js'
import { formatTime, type Io, parse, positional, print, table, UsageError, withServices } from './shared.js'

export async function user(args: readonly string[], io: Io): Promise<void> {
  const [verb, ...rest] = args
  const { values, positionals } = parse(rest, {
    pin: { type: 'string' },
    email: { type: 'string' },
    phone: { type: 'string' },
    transport: { type: 'string' },
    search: { type: 'string' },
    'dry-run': { type: 'boolean' },
  })
  await withServices(values, io, async (services) => {
    const name = () => positional(positionals, 0, 'user name')
    switch (verb) {
      case 'add':
        await addUser(services, { name: name(), pin: values.pin, email: values.email, phone: values.phone, transport: values.transport })
        return print(io, `user "${name()}" added`)
      case 'list': {
        const users = await userList(services, values.search)
        const rows = users.map((u) => [u.name, u.transport, u.email ?? u.phone ?? '-', lockedNow(services, u) ? 'locked' : '-'])
        return print(io, table([['NAME', 'TRANSPORT', 'DESTINATION', 'LOCKED'], ...rows]))
      }
      case 'show': {
        const view = await describeUser(services, name())
        const lines: [string, string][] = [
          ['name', view.name],
          ['transport', view.transport],
          ['email', view.email ?? '-'],
          ['phone', view.phone ?? '-'],
          ['pin', view.hasPin ? 'set' : 'not set'],
          ['locked', view.lockedAt ? `since ${formatTime(view.lockedAt)}, ${view.unlocksAt ? `until ${formatTime(view.unlocksAt)}` : 'until unlocked'}` : 'no'],
          ['failed logins', String(view.failedLogins)],
          ['device', view.device ? `bound ${formatTime(view.device.boundAt)}${view.device.deviceOs ? `, ${view.device.deviceOs}` : ''}` : 'none'],
          ['source', view.source],
          ['pending code', view.pendingCodeExpiresAt ? `expires ${formatTime(view.pendingCodeExpiresAt)}` : 'none'],
          ['created', formatTime(view.createdAt)],
        ]
        return print(io, table(lines))
      }
      case 'import':
        return importFile(services, io, positional(positionals, 0, 'CSV file'), values['dry-run'] === true)
      case 'delete':
        await deleteUser(services, name())
        return print(io, `user "${name()}" deleted`)
      case 'unlock':
        await unlockUser(services, name())
        return print(io, `user "${name()}" unlocked`)
      case 'set-pin':
        await setPin(services, name(), positional(positionals, 1, 'PIN'))
        return print(io, `PIN of user "${name()}" set`)
      default:
        throw new UsageError(`unknown user command "${verb ?? ''}"`)
    }
  })
}
