import { lockedNow } from '../domain/lockout.js'
import { readPolicies } from '../domain/policy.js'
import { createUser, removeUser, unlockUserAccount, updateUserDetails } from '../domain/user-admin.js'
import { resetPin, sendMissingPins } from '../domain/pin-issue.js'
import { repositoryList, requireRepository } from '../domain/repositories.js'
import type { Services } from '../domain/services.js'
import { describeUser, userList } from '../domain/users.js'
import { importFile } from './user-import.js'
import { assertNoMore, type Command, dbHelp, formatTime, type Io, parse, parseFor, positional, print, table, UsageError, withServices } from './shared.js'

const usage = `Usage: agentxml user <command> ...

  user add NAME [--email ADDR] [--phone NUMBER] [--transport outbox|email|sms] [--pin DIGITS]
  user set NAME [--email ADDR | --no-email] [--phone NUMBER | --no-phone]
                [--transport outbox|email|sms] [--pin DIGITS | --no-pin]
  user list [--search TEXT] [--json]
  user show NAME
  user delete NAME
  user unlock NAME
  user set-pin NAME DIGITS     (the same as user set NAME --pin DIGITS)
  user reset-pin NAME [--print-pin]   a new random PIN, sent by the user's transport (or
                               printed once, alone on the last line, with --print-pin)
  user send-pins [--repository NAME]  a PIN, by their transport, for every user with the mobile
                               right and no PIN yet (of one repository); a re-run sends nothing more
  user import FILE.csv [--dry-run]   users from a CSV file (columns name, email, phone, transport,
                               separated by commas, semicolons or tabs; an optional header row
                               orders them); a re-run changes nothing

  --transport   how provision codes reach the user: email needs an address, sms a phone
                number; default email when --email is given, else sms when --phone is, else outbox
  --pin         pin-length (policy, default 4) to 10 digits, not weak (1111, 1234, 1212, a
                year...) nor one of the user's last PINs; stored sealed, never shown. A user
                added without one is sent a random PIN (policy send-pin-on-create)
user list --json prints one JSON array of {name, transport, email, phone, mobile, hasPin,
locked, repository, created}: never a secret.
user set changes only what it is given. --no-email, --no-phone and --no-pin remove the
value (an empty --email '' or --phone '' does too).
${dbHelp}
`

const details = {
  pin: { type: 'string' },
  email: { type: 'string' },
  phone: { type: 'string' },
  transport: { type: 'string' },
} as const
const options = {
  ...details,
  'no-pin': { type: 'boolean' },
  'no-email': { type: 'boolean' },
  'no-phone': { type: 'boolean' },
  search: { type: 'string' },
  json: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'print-pin': { type: 'boolean' },
  repository: { type: 'string' },
} as const

/** The options each subcommand takes: any other is refused, not ignored. */
const optionsOf: Readonly<Record<string, readonly (keyof typeof options)[]>> = {
  add: ['pin', 'email', 'phone', 'transport'],
  set: ['pin', 'no-pin', 'email', 'no-email', 'phone', 'no-phone', 'transport'],
  list: ['search', 'json'],
  import: ['dry-run'],
  'reset-pin': ['print-pin'],
  'send-pins': ['repository'],
}

type Values = ReturnType<typeof parse<typeof options>>['values']

/** `--email ADDR` sets, `--no-email` (or an empty value) removes, neither leaves it. */
function either(values: Values, name: 'email' | 'phone' | 'pin'): string | null | undefined {
  const value = values[name]
  const remove = values[`no-${name}`] === true
  if (remove && value !== undefined) throw new UsageError(`--${name} and --no-${name} go separately`)
  if (remove) return null
  return name !== 'pin' && value?.trim() === '' ? null : value
}

export const user: Command = {
  name: 'user',
  usage,
  verbs: ['add', 'set', 'list', 'show', 'delete', 'unlock', 'set-pin', 'reset-pin', 'send-pins', 'import'],
  async run(args, io) {
    const [verb = '', ...rest] = args
    const { values, positionals } = parseFor(rest, options, optionsOf[verb] ?? [])
    assertNoMore(positionals, verb === 'list' || verb === 'send-pins' ? 0 : verb === 'set-pin' ? 2 : 1)
    if (verb === 'list') return list(values, io)
    if (verb === 'send-pins') return withServices(values, io, (services) => sendPins(services, io, values.repository))
    if (verb === 'import') {
      const file = positional(positionals, 0, 'CSV file')
      return withServices(values, io, (services) => importFile(services, io, file, values['dry-run'] === true))
    }
    const name = positional(positionals, 0, 'user name')
    const pin = verb === 'set-pin' ? positional(positionals, 1, 'PIN') : undefined
    await withServices(values, io, async (services) => {
      // each change logs its own line (and so reaches the audit log)
      if (verb === 'add') {
        await createUser(services, { name, pin: values.pin, email: values.email, phone: values.phone, transport: values.transport })
      } else if (verb === 'set' || verb === 'set-pin') {
        const changes = pin !== undefined ? { pin } : { pin: either(values, 'pin'), email: either(values, 'email'), phone: either(values, 'phone'), transport: values.transport }
        if (Object.values(changes).every((value) => value === undefined)) throw new UsageError('user set needs something to change')
        if ((await updateUserDetails(services, name, changes)).length === 0) print(io, `user "${name}" unchanged`)
      } else if (verb === 'delete') {
        await removeUser(services, name)
      } else if (verb === 'unlock') {
        await unlockUserAccount(services, name)
      } else if (verb === 'reset-pin') {
        const reset = await resetPin(services, name, { print: values['print-pin'] === true })
        if (reset.pin !== undefined) print(io, reset.pin)
      } else {
        show(io, await describeUser(services, name))
      }
    })
  },
}

async function list(values: Values, io: Io): Promise<void> {
  await withServices(values, io, async (services) => {
    const users = await userList(services, values.search)
    const policies = await readPolicies(services)
    const locked = (u: (typeof users)[number]) => lockedNow(u, policies, services.now())
    if (values.json) {
      const repositories = new Map((await repositoryList(services)).map(({ repository }) => [repository.id, repository.name]))
      // field names stay stable for scripts; never a PIN or a code, only whether there is one
      const json = users.map((u) => ({
        name: u.name,
        transport: u.transport,
        email: u.email,
        phone: u.phone,
        mobile: u.mobile === 1,
        hasPin: u.pin !== null,
        locked: locked(u),
        repository: u.repository_id === null ? null : (repositories.get(u.repository_id) ?? null),
        created: formatTime(u.created_at),
      }))
      return print(io, JSON.stringify(json))
    }
    const rows = users.map((u) => [u.name, u.transport, u.email ?? u.phone ?? '-', locked(u) ? 'locked' : '-'])
    print(io, table([['NAME', 'TRANSPORT', 'DESTINATION', 'LOCKED'], ...rows]))
  })
}

function show(io: Io, view: Awaited<ReturnType<typeof describeUser>>): void {
  const lines: [string, string][] = [
    ['name', view.name],
    ['transport', view.transport],
    ['email', view.email ?? '-'],
    ['phone', view.phone ?? '-'],
    ['pin', pinStatus(view)],
    ['mobile right', view.mobile ? 'yes' : 'no: provision codes are refused'],
    ['locked', view.lockedAt ? `since ${formatTime(view.lockedAt)}, ${view.unlocksAt ? `until ${formatTime(view.unlocksAt)}` : 'until unlocked'}` : 'no'],
    ['failed logins', String(view.failedLogins)],
    ['device', view.device ? `bound ${formatTime(view.device.boundAt)}${view.device.deviceOs ? `, ${view.device.deviceOs}` : ''}` : 'none'],
    ['pending code', view.pendingCodeExpiresAt ? `expires ${formatTime(view.pendingCodeExpiresAt)}` : 'none'],
    ['source', view.source],
    ...(view.groups.length > 0 ? [['groups', view.groups.join(', ')] as [string, string]] : []),
    ['created', formatTime(view.createdAt)],
  ]
  print(io, table(lines))
}

/** "set on DATE", "expires DATE", "not set": what `user show` and the console say of a PIN. */
function pinStatus(view: Awaited<ReturnType<typeof describeUser>>): string {
  if (!view.hasPin) return 'not set'
  const set = view.pinSetAt === null ? 'set' : `set on ${formatTime(view.pinSetAt)}`
  return view.pinExpiresAt === undefined ? set : `${set}, expires ${formatTime(view.pinExpiresAt)}`
}

async function sendPins(services: Services, io: Io, repositoryName: string | undefined): Promise<void> {
  const repository = repositoryName === undefined ? undefined : await requireRepository(services, repositoryName)
  const { sent, unsent } = await sendMissingPins(services, repository?.id)
  print(io, `${sent} PIN${sent === 1 ? '' : 's'} queued`)
  for (const [reason, count] of unsent) print(io, `${count} user${count === 1 ? '' : 's'} not sent one: ${reason}`)
}
