import { inTransaction } from '../db/engine.js'
import { deleteDeliverySetting, writeDeliverySetting } from '../db/repositories/delivery-settings.js'
import { encrypt } from '../secrets.js'
import { type DeliveryValues, emailOf, settingContext, smsOf, storedValues } from '../transports/delivery-settings.js'
import {
  checkDeliveryValue,
  type DeliveryKey,
  deliveryKeyDefinitions,
  deliveryKeys,
  DeliverySettingError,
  isDeliveryKey,
  shownValue,
} from '../transports/setting-keys.js'
import { adminMessages } from './admin-messages.js'
import { DomainError } from './errors.js'
import type { Services } from './services.js'

/** One shared delivery setting as `settings show` and the console show it: a sealed value never in full. */
export interface DeliverySettingRow {
  readonly key: DeliveryKey
  readonly label: string
  /** What may be shown of the stored value; undefined when none is stored. */
  readonly shown: string | undefined
  readonly sealed: boolean
  /** The stored text, for the console's form; never for a sealed setting. */
  readonly text: string | undefined
}

/** Some values were refused; `problems` says why, by key. Nothing was changed. */
export class DeliverySettingsRefused extends DomainError {
  constructor(readonly problems: ReadonlyMap<string, string>) {
    super([...problems.values()].join('; '))
  }
}

/** The shared settings as stored (the defaults and a node's flags are not in them). */
export async function listDeliverySettings(services: Pick<Services, 'store' | 'keys'>): Promise<DeliverySettingRow[]> {
  const values = storedValues(await services.store.settings(), services.keys)
  return deliveryKeys.map((key) => {
    const value = values.get(key)
    const sealed = deliveryKeyDefinitions[key].sealed === true
    return { key, label: deliveryKeyDefinitions[key].label, shown: value === undefined ? undefined : shownValue(key, value), sealed, text: sealed ? undefined : value }
  })
}

/** What the transports refuse of these values together (a contradiction, not a missing part: that only leaves a transport off). */
function contradictions(values: DeliveryValues): string[] {
  const problems: string[] = []
  // a sender still to come does not hide the rest of the SMTP settings' problems
  emailOf(new Map([...values, ['smtp-from', values.get('smtp-from') ?? 'noreply@example.com']]), problems)
  smsOf(values, problems)
  return problems.map((problem) => problem.replace(/^(email|sms) is off: /, ''))
}

/**
 * Validate every change (a value, or undefined to unset), then store those that differ, in one
 * transaction; each is logged, and so audited with whoever made it. One bad value refuses the
 * lot. A sealed value is stored sealed and logged only as set.
 */
export async function changeDeliverySettings(services: Services, changes: ReadonlyMap<string, string | undefined>): Promise<DeliveryKey[]> {
  const problems = new Map<string, string>()
  const checked = new Map<DeliveryKey, string | undefined>()
  for (const [key, value] of changes) {
    try {
      if (!isDeliveryKey(key)) throw new DeliverySettingError(`unknown setting "${key}"; known: ${deliveryKeys.join(', ')}`)
      checked.set(key, value === undefined ? undefined : checkDeliveryValue(key, value))
    } catch (err) {
      if (!(err instanceof DeliverySettingError || err instanceof DomainError)) throw err
      problems.set(key, err.message)
    }
  }
  if (problems.size > 0) throw new DeliverySettingsRefused(problems)
  const current = storedValues(await services.store.settings(), services.keys)
  const next = new Map(current)
  for (const [key, value] of checked) {
    if (value === undefined) next.delete(key)
    else next.set(key, value)
  }
  const before = new Set(contradictions(current))
  const added = contradictions(next).filter((problem) => !before.has(problem))
  if (added.length > 0) throw new DeliverySettingsRefused(new Map(added.map((problem) => [problem.split(':')[0] ?? '', problem])))
  const changed = [...checked].filter(([key, value]) => current.get(key) !== value)
  await inTransaction(services.db, async (trx) => {
    for (const [key, value] of changed) {
      if (value === undefined) await deleteDeliverySetting(trx, key)
      else if (deliveryKeyDefinitions[key].sealed) await writeDeliverySetting(trx, key, { sealed: encrypt(services.keys, value, settingContext(key)) })
      else await writeDeliverySetting(trx, key, { value })
    }
  })
  for (const [key, value] of changed) {
    // a sealed value is named only as set: never its text, in the log or the audit row
    services.log.info({ event: 'deliverySettingChanged', setting: key }, adminMessages.deliverySettingChanged(key, loggedValue(key, value)))
  }
  return changed.map(([key]) => key)
}

/** What the log line says of a change: a sealed one as set, a text of several lines by its length. */
function loggedValue(key: DeliveryKey, value: string | undefined): string {
  if (value === undefined) return 'unset (the default, or a node\'s flag, applies)'
  if (deliveryKeyDefinitions[key].sealed) return shownValue(key, value)
  if (deliveryKeyDefinitions[key].file) return `set (${value.split('\n').length} lines)`
  return `set to ${value}`
}
