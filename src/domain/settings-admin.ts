import { writePolicy } from '../db/repositories/policies.js'
import { inTransaction } from '../db/engine.js'
import { adminMessages } from './admin-messages.js'
import { auditRetention, checkAuditRetention, readAuditRetentionDays } from './audit-retention.js'
import { DomainError } from './errors.js'
import { checkPolicy, isPolicyKey, type Policies, policyDefinitions, policyKeys, PolicyError, readPolicies } from './policy.js'
import type { Services } from './services.js'

/** The settings of the console's Policy page: the policies of docs/protocol.md §9 and the audit retention. */
export const settingKeys = [...policyKeys, auditRetention.key] as const

export const settingLabel = (key: string) => (isPolicyKey(key) ? policyDefinitions[key].label : auditRetention.label)

/** Some values were refused; `problems` says why, by key. Nothing was changed. */
export class SettingsRefused extends DomainError {
  constructor(readonly problems: ReadonlyMap<string, string>) {
    super([...problems.values()].join('; '))
  }
}

const policyText = (value: Policies[keyof Policies]) => (typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value))

/** Every setting's current value as the forms show it. */
export async function readSettings(services: Pick<Services, 'store'>): Promise<Map<string, string>> {
  const policies = await readPolicies(services)
  const values = new Map<string, string>(policyKeys.map((key) => [key, policyText(policies[key])]))
  values.set(auditRetention.key, String(await readAuditRetentionDays(services)))
  return values
}

function check(key: string, value: string): string {
  return key === auditRetention.key ? String(checkAuditRetention(value)) : checkPolicy(key, value)
}

/**
 * Validate every value given, then store those that differ, in one transaction. One bad value
 * refuses the lot: the administrator sees every problem and nothing changes.
 */
export async function changeSettings(services: Services, values: ReadonlyMap<string, string>): Promise<string[]> {
  const problems = new Map<string, string>()
  const checked = new Map<string, string>()
  for (const [key, value] of values) {
    try {
      checked.set(key, check(key, value))
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err
      problems.set(key, err.message)
    }
  }
  if (problems.size > 0) throw new SettingsRefused(problems)
  const current = await readSettings(services)
  const different = [...checked].filter(([key, value]) => current.get(key) !== value)
  await inTransaction(services.db, async (trx) => {
    for (const [key, value] of different) await writePolicy(trx, key, value)
  })
  const changed = different
  for (const [key, value] of changed) {
    services.log.info({ event: 'policyChanged', policy: key, value }, adminMessages.policyChanged(settingLabel(key), value))
  }
  return changed.map(([key]) => key)
}
