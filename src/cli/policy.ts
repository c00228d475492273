import { policyDefinitions, policyKeys, readPolicies } from '../domain/policy.js'
import { changeSettings } from '../domain/settings-admin.js'
import { assertNoMore, type Command, dbHelp, parse, positional, print, table, withServices } from './shared.js'

const usage = `Usage: agentxml policy <command> ...

  policy show              every policy with its value and its label in the legacy console
  policy set KEY VALUE     a value outside the allowed range is refused and changes nothing

${policyKeys.map((key) => `  ${key.padEnd(32)}${policyDefinitions[key].allowed} (default ${policyDefinitions[key].default})`).join('\n')}
${dbHelp}
`

export const policy: Command = {
  name: 'policy',
  usage,
  verbs: ['show', 'set'],
  async run(args, io) {
    const [verb, ...rest] = args
    const { values, positionals } = parse(rest, {})
    assertNoMore(positionals, verb === 'set' ? 2 : 0)
    const key = verb === 'set' ? positional(positionals, 0, 'policy key') : ''
    const value = verb === 'set' ? positional(positionals, 1, 'value') : ''
    await withServices(values, io, async (services) => {
      if (verb === 'set') {
        // the console's own path: checked, stored, and an audit row naming who ran the command
        await changeSettings(services, new Map([[key, value]]))
        return print(io, `${key} set to ${value.trim()}`)
      }
      const policies = await readPolicies(services)
      const rows = policyKeys.map((k) => {
        const current = policies[k]
        return [k, typeof current === 'boolean' ? (current ? 'yes' : 'no') : String(current), policyDefinitions[k].label]
      })
      print(io, table([['KEY', 'VALUE', 'LABEL'], ...rows]))
    })
  },
}
