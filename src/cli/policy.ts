import { policyDefinitions, policyKeys, readPolicies, setPolicy } from '../domain/policy.js'
import { type Io, parse, positional, print, table, UsageError, withServices } from './shared.js'

export async function policy(args: readonly string[], io: Io): Promise<void> {
  const [verb, ...rest] = args
  const { values, positionals } = parse(rest, {})
  await withServices(values, io, async (services) => {
    if (verb === 'show') {
      const policies = await readPolicies(services)
      const rows = policyKeys.map((key) => {
        const value = policies[key]
        return [key, typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value), policyDefinitions[key].label]
      })
      print(io, table([['KEY', 'VALUE', 'LABEL'], ...rows]))
    } else if (verb === 'set') {
      const key = positional(positionals, 0, 'policy key')
      const value = positional(positionals, 1, 'value')
      await setPolicy(services.db, key, value)
      print(io, `${key} set to ${value.trim()}`)
    } else {
      throw new UsageError(`unknown policy command "${verb ?? ''}"`)
    }
  })
}
