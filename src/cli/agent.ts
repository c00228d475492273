import { addAgent, agentList, deleteAgent, setAgentPasswordCheck } from '../domain/agents.js'
import { formatTime, type Io, parse, positional, print, table, UsageError, withServices } from './shared.js'

export async function agent(args: readonly string[], io: Io): Promise<void> {
  const [verb, ...rest] = args
  const { values, positionals } = parse(rest, {
    secret: { type: 'string' },
    network: { type: 'string', multiple: true },
    admin: { type: 'boolean' },
    'check-password': { type: 'boolean' },
    'no-check-password': { type: 'boolean' },
  })
  await withServices(values, io, async (services) => {
    if (verb === 'add') {
      const name = positional(positionals, 0, 'agent name')
      if (values.secret === undefined) throw new UsageError('agent add needs --secret')
      const checkPassword = values['check-password'] === true
      await addAgent(services, { name, secret: values.secret, networks: values.network ?? [], admin: values.admin === true, checkPassword })
      print(io, `agent "${name}" added`)
    } else if (verb === 'set') {
      const name = positional(positionals, 0, 'agent name')
      const on = values['check-password'] === true
      if (on === (values['no-check-password'] === true)) throw new UsageError('agent set needs --check-password or --no-check-password')
      await setAgentPasswordCheck(services, name, on)
      print(io, `agent "${name}": login ${on ? 'checks' : 'does not check'} the directory password`)
    } else if (verb === 'list') {
      const agents = await agentList(services)
      const rows = agents.map((a) => [a.name, a.networks.join(','), a.admin ? 'yes' : 'no', a.checkPassword ? 'yes' : 'no', formatTime(a.createdAt)])
      print(io, table([['NAME', 'NETWORKS', 'ADMIN', 'PASSWORD', 'CREATED'], ...rows]))
    } else if (verb === 'delete') {
      const name = positional(positionals, 0, 'agent name')
      await deleteAgent(services, name)
      print(io, `agent "${name}" deleted`)
    } else {
      throw new UsageError(`unknown agent command "${verb ?? ''}"`)
    }
  })
}
