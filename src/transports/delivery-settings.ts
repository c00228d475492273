import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { Settings } from '../db/index.js'
import { InvalidInput } from '../domain/errors.js'
import { defaultPinTemplate, parsePinTemplate } from '../domain/pin-message.js'
import { defaultTemplate, type MessageTemplate, parseMessageTemplate } from '../domain/provision-message.js'
import type { DeliverySettings } from '../domain/services.js'
import { decrypt, type Keys } from '../secrets.js'
import type { EmailSettings } from './email.js'
import { type DeliveryKey, deliveryKeys } from './setting-keys.js'
import { defaultRetryDelays, parseRetryDelays, parseSmsGateway, parseSmtpUrl, type SmsGateway } from './settings.js'

export type DeliveryValues = ReadonlyMap<DeliveryKey, string>

/** What a node sends with and says in its messages, from its flags over the shared settings over the defaults. */
export interface EffectiveDelivery {
  /** What the message builders read (domain/services.ts). */
  readonly delivery: DeliverySettings
  readonly email: EmailSettings | undefined
  readonly sms: SmsGateway | undefined
  readonly retryDelays: readonly number[]
  /** Stored values this node cannot use, each said once in its log. */
  readonly problems: readonly string[]
}

/** The context a setting is sealed in: a sealed value cannot be moved to another key. */
export const settingContext = (key: DeliveryKey) => `delivery-setting:${key}`

/**
 * This process's own values, from its flags and AGENTXML_* variables (config.ts has checked them):
 * they override the shared settings here. Files are read now: a bad template stops the start.
 */
export function overridesOf(config: Config): DeliveryValues {
  const values = new Map<DeliveryKey, string>()
  const put = (key: DeliveryKey, value: string | undefined) => {
    if (value !== undefined) values.set(key, value)
  }
  put('smtp-url', config.smtpUrl)
  put('smtp-from', config.smtpFrom)
  if (config.smtpRequireTls) values.set('smtp-require-tls', 'yes')
  put('smtp-ca', config.smtpCaFile === undefined ? undefined : readFileSync(config.smtpCaFile, 'utf8'))
  put('sms-url', config.smsUrl)
  put('sms-method', config.smsMethod)
  if (config.smsHeaders.length > 0) values.set('sms-header', config.smsHeaders.join('\n'))
  put('sms-body', config.smsBody)
  put('site-id', config.siteId)
  put('public-url', config.publicUrl?.href)
  put('message-template', readTemplate(config.messageTemplateFile, parseMessageTemplate))
  put('pin-message-template', readTemplate(config.pinMessageTemplateFile, parsePinTemplate))
  // config.ts hands back the default array itself when neither flag nor variable gave delays
  if (config.retryDelays !== defaultRetryDelays) values.set('retry-delays', config.retryDelays.map((ms) => ms / 1000).join(','))
  return values
}

/** What set an overriding value: the flag, when it was given, else its AGENTXML_* variable. */
export function overrideName(key: DeliveryKey, flagsGiven: ReadonlySet<string>): string {
  if (flagsGiven.has(key)) return `the --${key} flag`
  return `the AGENTXML_${key.toUpperCase().replace(/-/g, '_')}${key === 'sms-header' ? 'S' : ''} variable`
}

function readTemplate(file: string | undefined, parse: (text: string) => MessageTemplate): string | undefined {
  if (file === undefined) return undefined
  const text = readFileSync(file, 'utf8')
  try {
    parse(text)
  } catch (err) {
    throw new InvalidInput(`${file}: ${(err as Error).message}`)
  }
  return text
}

/** The shared settings as stored, the sealed ones opened; one that cannot be opened is a problem, not a value. */
export function storedValues(settings: Settings, keys: Keys, problems: string[] = []): Map<DeliveryKey, string> {
  const values = new Map<DeliveryKey, string>()
  for (const key of deliveryKeys) {
    const stored = settings.delivery.get(key)
    if (!stored) continue
    if (stored.value !== null) values.set(key, stored.value)
    else if (stored.sealed !== null) {
      try {
        values.set(key, decrypt(keys, stored.sealed, settingContext(key)))
      } catch {
        problems.push(`${key}: the stored value cannot be opened with this node's master key`)
      }
    }
  }
  return values
}

/** The values in force: each of `overrides` in place of the stored one. */
export function mergedValues(stored: DeliveryValues, overrides: DeliveryValues): DeliveryValues {
  return new Map([...stored, ...overrides])
}

/** Settle the values into what the builders and the transports use; a part that cannot work is left out and said. */
export function effectiveDelivery(values: DeliveryValues, config: Config, problems: string[] = []): EffectiveDelivery {
  const attempt = <T>(what: string, make: () => T) => attempted(what, problems, make)
  const get = (key: DeliveryKey) => values.get(key)
  const email = emailOf(values, problems)
  const sms = smsOf(values, problems)
  // a value not given is the default, not a problem
  const given = <T>(key: DeliveryKey, parse: (text: string) => T, fallback: T): T => {
    const text = get(key)
    return text === undefined ? fallback : (attempt(key, () => parse(text)) ?? fallback)
  }
  const template = given('message-template', parseMessageTemplate, defaultTemplate)
  const pinTemplate = given('pin-message-template', parsePinTemplate, defaultPinTemplate)
  const retryDelays = given('retry-delays', parseRetryDelays, defaultRetryDelays)
  const transports = new Set(['outbox', ...(email ? ['email'] : []), ...(sms ? ['sms'] : [])])
  return {
    delivery: Object.freeze({
      template,
      pinTemplate,
      site: siteOf(config, values),
      pages: pagesOf(config, values),
      siteId: values.get('site-id') ?? config.siteId,
      publicUrl: attempt('public-url', () => publicUrlOf(values.get('public-url'))) ?? config.publicUrl,
      transports,
    }),
    email,
    sms,
    retryDelays,
    problems,
  }
}

const attempted = <T>(what: string, problems: string[], make: () => T): T | undefined => {
  try {
    return make()
  } catch (err) {
    problems.push(`${what}: ${(err as Error).message.replace(/--([a-z][a-z-]*)/g, '$1')}`)
    return undefined
  }
}

/** The SMTP settings, when complete and consistent; else undefined, and `problems` says why when something was given. */
export function emailOf(values: DeliveryValues, problems: string[]): EmailSettings | undefined {
  const smtpUrl = values.get('smtp-url')
  const from = values.get('smtp-from')
  if (smtpUrl === undefined) return undefined
  if (from === undefined) {
    problems.push('email is off: smtp-url needs smtp-from (the sender address)')
    return undefined
  }
  return attempted('email is off', problems, () => {
    const server = parseSmtpUrl(smtpUrl)
    const requireTls = values.get('smtp-require-tls') === 'yes'
    if (server.secure && requireTls) throw new Error('smtp-require-tls is for smtp:// (STARTTLS); smtps:// is always TLS')
    return { server, from, requireTls, ca: values.get('smtp-ca') }
  })
}

/** The SMS gateway, when its settings make a valid request; else undefined, and `problems` says why. */
export function smsOf(values: DeliveryValues, problems: string[]): SmsGateway | undefined {
  const url = values.get('sms-url')
  if (url === undefined) return undefined
  const headers = (values.get('sms-header') ?? '').split('\n').filter((line) => line !== '')
  return attempted('sms is off', problems, () => parseSmsGateway({ url, method: values.get('sms-method'), headers, body: values.get('sms-body') }))
}

export interface DeliverySource {
  /** This process's overriding values (its flags and variables). */
  readonly overrides: DeliveryValues
  /** The delivery in force with these stored settings, settled once per settings version. */
  resolve(settings: Settings, keys: Keys): EffectiveDelivery
}

/**
 * Where a node or a command reads its delivery settings at each message, as it reads the
 * policies: the stored settings of the current version, under this process's overrides.
 */
export function createDeliverySource(config: Config, log: Pick<Logger, 'warn'>): DeliverySource {
  const overrides = overridesOf(config)
  const settled = new WeakMap<Settings, EffectiveDelivery>()
  return {
    overrides,
    resolve(settings, keys) {
      let effective = settled.get(settings)
      if (!effective) {
        const problems: string[] = []
        effective = effectiveDelivery(mergedValues(storedValues(settings, keys, problems), overrides), config, problems)
        for (const problem of problems) log.warn({ setting: problem.split(':')[0] }, `delivery setting not used: ${problem}`)
        settled.set(settings, effective)
      }
      return effective
    },
  }
}

/**
 * How the message names the server for the mobile app: the site id (the app looks it up,
 * docs/protocol.md §10), else the public URL, else the address this server listens on.
 */
export function siteOf(config: Config, values: DeliveryValues = new Map()): string {
  const siteId = values.get('site-id') ?? config.siteId
  if (siteId !== undefined) return siteId
  const publicUrl = values.get('public-url') ?? config.publicUrl?.href
  if (publicUrl !== undefined) return publicUrl.replace(/\/$/, '')
  return listening(config)
}

/** Where users reach the self-service pages (`/reset/...`): the public URL's origin, else the listening address. */
export function pagesOf(config: Config, values: DeliveryValues = new Map()): string {
  const publicUrl = values.get('public-url') ?? config.publicUrl?.href
  return publicUrl !== undefined ? new URL(publicUrl).origin : listening(config)
}

const publicUrlOf = (text: string | undefined) => (text === undefined ? undefined : new URL(text))

function listening(config: Config): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? hostname() : config.host
  const shown = host.includes(':') ? `[${host}]` : host
  return `${config.tls ? 'https' : 'http'}://${shown}:${config.port}`
}
