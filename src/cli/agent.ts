import { createAgent, removeAgent, updateAgent } from '../domain/agent-admin.js'
import { agentList } from '../domain/agents.js'
import { assertNoMore, type Command, dbHelp, formatTime, parseFor, positional, print, table, UsageError, withServices } from './shared.js'

const usage = `Usage: agentxml agent <command> ...

  agent add NAME --secret S [--network CIDR]... [--admin] [--check-password]
  agent set NAME [--network CIDR]... [--secret S] [--admin | --no-admin]
                 [--check-password | --no-check-password]
  agent list [--json]
  agent delete NAME

  --secret S       the shared secret the agent sends, 8 to 256 characters (only a keyed hash is kept)
  --network CIDR   where the agent may call from, repeatable (10.0.0.0/8, 2001:db8::/32);
                   default this host only (127.0.0.1/32 and ::1/128)
  --admin          the agent may use AdminXML
  --check-password login must also carry the user's directory password (Password), checked
                   by binding to the user's directory (agentxml repository --help)
agent set changes only what it is given; the networks it is given replace the list.
agent list --json prints one JSON array of {name, networks, admin, checkPassword, created}:
never a secret (only a keyed hash of it is kept).
${dbHelp}
`

const options = {
  secret: { type: 'string' },
  network: { type: 'string', multiple: true },
  admin: { type: 'boolean' },
  'no-admin': { type: 'boolean' },
  'check-password': { type: 'boolean' },
  'no-check-password': { type: 'boolean' },
  json: { type: 'boolean' },
} as const

const optionsOf: Readonly<Record<string, readonly (keyof typeof options)[]>> = {
  add: ['secret', 'network', 'admin', 'check-password'],
  set: ['secret', 'network', 'admin', 'no-admin', 'check-password', 'no-check-password'],
  list: ['json'],
}

export const agent: Command = {
  name: 'agent',
  usage,
  verbs: ['add', 'set', 'list', 'delete'],
  async run(args, io) {
    const [verb = '', ...rest] = args
    const { values, positionals } = parseFor(rest, options, optionsOf[verb] ?? [])
    assertNoMore(positionals, verb === 'list' ? 0 : 1)
    const name = verb === 'list' ? '' : positional(positionals, 0, 'agent name')
    if (verb === 'add' && !values.secret) throw new UsageError('agent add needs --secret')
    if (values.admin && values['no-admin']) throw new UsageError('--admin and --no-admin go separately')
    const admin = values.admin ? true : values['no-admin'] ? false : undefined
    if (values['check-password'] && values['no-check-password']) throw new UsageError('--check-password and --no-check-password go separately')
    const checkPassword = values['check-password'] ? true : values['no-check-password'] ? false : undefined
    if (verb === 'set' && values.secret === undefined && values.network === undefined && admin === undefined && checkPassword === undefined) {
      throw new UsageError('agent set needs something to change')
    }
    await withServices(values, io, async (services) => {
      // each change logs its own line (and so reaches the audit log)
      if (verb === 'add') {
        await createAgent(services, { name, secret: values.secret ?? '', networks: values.network ?? [], admin: admin === true, checkPassword: checkPassword === true })
      } else if (verb === 'set') {
        const changed = await updateAgent(services, name, { secret: values.secret, networks: values.network, admin, checkPassword })
        if (changed.length === 0) print(io, `agent "${name}" unchanged`)
      } else if (verb === 'delete') {
        await removeAgent(services, name)
      } else {
        const agents = await agentList(services)
        // field names stay stable for scripts
        if (values.json) return print(io, JSON.stringify(agents.map((a) => ({ name: a.name, networks: a.networks, admin: a.admin, checkPassword: a.checkPassword, created: formatTime(a.createdAt) }))))
        const rows = agents.map((a) => [a.name, a.networks.join(','), a.admin ? 'yes' : 'no', a.checkPassword ? 'yes' : 'no', formatTime(a.createdAt)])
        print(io, table([['NAME', 'NETWORKS', 'ADMIN', 'PASSWORD', 'CREATED'], ...rows]))
      }
    })
  },
}
