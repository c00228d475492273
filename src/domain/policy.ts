import type { Db, Settings } from '../db/index.js'
import { writePolicy } from '../db/repositories/policies.js'
import type { Services } from './services.js'

export const stringTypes = ['numbers', 'upper', 'lower', 'mixed', 'upper-numbers'] as const
export type StringType = (typeof stringTypes)[number]

export interface Policies {
  readonly 'self-provision': boolean
  readonly 'log-device-info': boolean
  readonly 'provision-code-validity': number
  readonly 'provision-code-numeric': boolean
  readonly 'security-string-type': StringType
  readonly 'max-login-tries': number
  readonly 'lockout-time': number
  readonly 'provision-attempts-per-user': number
  readonly 'provision-attempts-per-address': number
  readonly 'send-pin-on-create': boolean
  readonly 'pin-length': number
  readonly 'pin-history': number
  readonly 'pin-expiry-days': number
  readonly 'pin-expiry-reminder-days': number
  readonly 'self-change-pin': boolean
  readonly 'self-reset-pin': boolean
  readonly 'pin-reset-code-validity': number
}

export type PolicyKey = keyof Policies

interface Definition {
  readonly label: string
  readonly default: string
  readonly allowed: string
  readonly parse: (text: string) => Policies[PolicyKey] | undefined
}

const yesNo = (text: string) => (text === 'yes' ? true : text === 'no' ? false : undefined)
const range = (min: number, max: number) => (text: string) => {
  if (!/^\d{1,9}$/.test(text)) return undefined
  const value = Number(text)
  return value >= min && value <= max ? value : undefined
}
const oneOf = (text: string) => (stringTypes as readonly string[]).includes(text) ? (text as StringType) : undefined

/** The policies of docs/protocol.md §9, with the labels of the legacy admin console, and agentxml's own limits. */
export const policyDefinitions: Readonly<Record<PolicyKey, Definition>> = {
  'self-provision': { label: 'Allow user self-provision of mobile client', default: 'no', allowed: 'yes/no', parse: yesNo },
  'log-device-info': { label: 'Log device information when provisioning', default: 'no', allowed: 'yes/no', parse: yesNo },
  'provision-code-validity': {
    label: 'Provision Code Validity period (seconds)',
    default: '600',
    allowed: '10-1000000',
    parse: range(10, 1_000_000),
  },
  'provision-code-numeric': { label: 'Provision Number Is Numeric', default: 'no', allowed: 'yes/no', parse: yesNo },
  'security-string-type': {
    label: 'Security string type',
    default: 'numbers',
    allowed: stringTypes.join(', '),
    parse: oneOf,
  },
  'max-login-tries': { label: 'Maximum login tries', default: '5', allowed: '0 (no limit)-100', parse: range(0, 100) },
  'lockout-time': {
    label: 'Account lockout time (minutes)',
    default: '0',
    allowed: '0 (until unlocked)-100000',
    parse: range(0, 100_000),
  },
  // not PINsafe's: every wrong attempt voids the user's code, so strangers must not be able to make them in bulk
  'provision-attempts-per-user': {
    label: 'Provision attempts per user in 15 minutes',
    default: '5',
    allowed: '0 (no limit)-1000',
    parse: range(0, 1000),
  },
  'provision-attempts-per-address': {
    label: 'Provision attempts per source address in 15 minutes',
    default: '100',
    allowed: '0 (no limit)-1000000',
    parse: range(0, 1_000_000),
  },
  // the PIN lifecycle (docs/operations.md "PINs")
  'send-pin-on-create': { label: 'Send a PIN to new mobile users', default: 'yes', allowed: 'yes/no', parse: yesNo },
  'pin-length': { label: 'PIN length (generated PINs; the shortest a PIN may be)', default: '4', allowed: '4-10', parse: range(4, 10) },
  'pin-history': { label: 'Previous PINs that cannot be chosen again', default: '3', allowed: '0 (none)-10', parse: range(0, 10) },
  'pin-expiry-days': { label: 'PIN expiry (days)', default: '0', allowed: '0 (never)-3650', parse: range(0, 3650) },
  'pin-expiry-reminder-days': {
    label: 'Remind users this many days before their PIN expires',
    default: '7',
    allowed: '0 (no reminder)-365',
    parse: range(0, 365),
  },
  'self-change-pin': { label: 'Allow users to change their own PIN', default: 'yes', allowed: 'yes/no', parse: yesNo },
  'self-reset-pin': { label: 'Allow users to reset a forgotten PIN', default: 'no', allowed: 'yes/no', parse: yesNo },
  'pin-reset-code-validity': {
    label: 'PIN reset code validity period (seconds)',
    default: '600',
    allowed: '60-86400',
    parse: range(60, 86_400),
  },
}

export const policyKeys = Object.keys(policyDefinitions) as PolicyKey[]

export class PolicyError extends Error {}

export function isPolicyKey(key: string): key is PolicyKey {
  return Object.hasOwn(policyDefinitions, key)
}

const derived = new WeakMap<Settings, Policies>()

/** The policies of these settings (made once per settings version). */
export function policiesFrom(settings: Settings): Policies {
  let policies = derived.get(settings)
  if (!policies) {
    const entries = policyKeys.map((key) => {
      const definition = policyDefinitions[key]
      // a stored value that no longer parses falls back to the default rather than failing requests
      const value = definition.parse(settings.policies.get(key) ?? definition.default) ?? definition.parse(definition.default)
      return [key, value]
    })
    policies = Object.freeze(Object.fromEntries(entries)) as Policies
    derived.set(settings, policies)
  }
  return policies
}

/** The policies in force now, as every node sees them (one read of the settings version). */
export async function readPolicies(services: Pick<Services, 'store'>): Promise<Policies> {
  return policiesFrom(await services.store.settings())
}

/** The value as stored, when key and value are valid; otherwise a PolicyError saying why. */
export function checkPolicy(key: string, value: string): string {
  if (!isPolicyKey(key)) throw new PolicyError(`unknown policy "${key}"; known: ${policyKeys.join(', ')}`)
  const definition = policyDefinitions[key]
  const trimmed = value.trim()
  if (definition.parse(trimmed) === undefined) {
    throw new PolicyError(`${definition.label} must be ${definition.allowed}, not "${value}"`)
  }
  return trimmed
}

/** Validate and store one policy; a bad key or value throws and changes nothing. */
export async function setPolicy(db: Db, key: string, value: string): Promise<void> {
  await writePolicy(db, key, checkPolicy(key, value))
}
