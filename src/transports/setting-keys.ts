import { parsePinTemplate } from '../domain/pin-message.js'
import { parseMessageTemplate } from '../domain/provision-message.js'
import { isSmtpFrom, parseRetryDelays, parseSmsGateway, parseSmsHeader, parseSmtpUrl, smtpLabel } from './settings.js'

/**
 * The delivery and site settings every node and command shares (`agentxml settings`, the console's
 * Settings page), named as the flags of `serve` that override them for one process. Each value is
 * checked as its flag is; a value that may carry a credential is sealed and never shown.
 */
export const deliveryKeys = [
  'smtp-url',
  'smtp-from',
  'smtp-require-tls',
  'smtp-ca',
  'sms-url',
  'sms-method',
  'sms-header',
  'sms-body',
  'site-id',
  'public-url',
  'message-template',
  'pin-message-template',
  'retry-delays',
] as const

export type DeliveryKey = (typeof deliveryKeys)[number]

export interface DeliveryKeyDefinition {
  readonly label: string
  /** What the value is, for `settings --help` and the console's hint. */
  readonly allowed: string
  /** Sealed with the master key: `settings show` and the console say only that it is set. */
  readonly sealed?: true
  /** Text of several lines (a template, a certificate), given with `--file FILE`. */
  readonly file?: true
  /** The value as stored, or an error saying why not (the flag's own words). */
  readonly check: (value: string) => string
  /** What may be shown of a sealed value: never the credential. */
  readonly shown?: (value: string) => string
}

/** A value refused: one line naming the setting. */
export class DeliverySettingError extends Error {}

// the transports' checks name the flag (--smtp-url); a setting is named without the dashes
const asSetting = (check: (value: string) => string) => (value: string) => {
  try {
    return check(value)
  } catch (err) {
    throw new DeliverySettingError((err as Error).message.replace(/--([a-z][a-z-]*)/g, '$1'))
  }
}

const oneLine = (key: string) => (value: string) => {
  const trimmed = value.trim()
  if (trimmed === '' || /[\r\n]/.test(trimmed)) throw new Error(`${key} must be one non-empty line`)
  return trimmed
}

const yesNo = (value: string) => {
  const text = value.trim().toLowerCase()
  if (/^(yes|true|1|on)$/.test(text)) return 'yes'
  if (/^(no|false|0|off)$/.test(text)) return 'no'
  throw new Error(`smtp-require-tls must be yes or no, not "${value}"`)
}

const httpUrl = (value: string) => {
  try {
    const url = new URL(value.trim())
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.href
  } catch {}
  throw new Error(`public-url must be an http or https URL, not "${value}"`)
}

const certificate = (value: string) => {
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(value)) throw new Error('smtp-ca must be PEM certificates (-----BEGIN CERTIFICATE-----)')
  return value.trim()
}

const template = (parse: (text: string) => unknown) => (value: string) => {
  parse(value)
  return value.replace(/\r\n?/g, '\n')
}

/** The header lines as stored: one a line, each checked. */
const headerLines = (value: string) => {
  const lines = value.split(/\r?\n/).filter((line) => line.trim() !== '')
  if (lines.length === 0) throw new Error('sms-header must be at least one "Name: value" line')
  for (const line of lines) parseSmsHeader(line)
  return lines.join('\n')
}

export const deliveryKeyDefinitions: Readonly<Record<DeliveryKey, DeliveryKeyDefinition>> = {
  'smtp-url': {
    label: 'SMTP server',
    allowed: 'smtp://[user:password@]host[:587] or smtps://[user:password@]host[:465]',
    sealed: true,
    check: (value) => (parseSmtpUrl(value.trim()), value.trim()),
    shown: (value) => {
      const server = parseSmtpUrl(value)
      return `${smtpLabel(server)}${server.user === undefined ? '' : ' with a user name and password'}`
    },
  },
  'smtp-from': {
    label: 'Sender address',
    allowed: 'noreply@example.com or "Name <noreply@example.com>"',
    check: (value) => {
      if (!isSmtpFrom(value.trim())) throw new Error(`--smtp-from must be an address (noreply@example.com or "Name <noreply@example.com>"), not "${value}"`)
      return value.trim()
    },
  },
  'smtp-require-tls': { label: 'Require STARTTLS (smtp:// only)', allowed: 'yes/no', check: yesNo },
  'smtp-ca': { label: 'CA certificate of the SMTP server', allowed: 'PEM certificates', file: true, check: certificate },
  'sms-url': {
    label: 'SMS gateway URL',
    allowed: 'an http or https URL; {destination} and {message} are filled in',
    sealed: true,
    check: (value) => (parseSmsGateway({ url: value.trim(), method: undefined, headers: [], body: undefined }), value.trim()),
    shown: (value) => new URL(value.replace(/\{(destination|message)\}/g, 'x')).origin,
  },
  'sms-method': {
    label: 'SMS gateway method',
    allowed: 'GET, POST or PUT',
    check: (value) => {
      const method = value.trim().toUpperCase()
      if (!['GET', 'POST', 'PUT'].includes(method)) throw new Error(`--sms-method must be GET, POST or PUT, not "${value}"`)
      return method
    },
  },
  'sms-header': {
    label: 'SMS gateway headers',
    allowed: '"Name: value" lines (they may carry a token)',
    sealed: true,
    check: headerLines,
    shown: (value) => `${value.split('\n').length} header${value.includes('\n') ? 's' : ''}`,
  },
  'sms-body': {
    label: 'SMS gateway body',
    allowed: 'a template with {destination} and {message} (it may carry a token)',
    sealed: true,
    check: (value) => value,
    shown: (value) => `${value.length} characters`,
  },
  'site-id': { label: 'Site id', allowed: 'the id the mobile app looks up', check: oneLine('site-id') },
  'public-url': { label: 'Public URL', allowed: 'the http or https address users and mobile clients reach', check: httpUrl },
  'message-template': { label: 'Provision message template', allowed: 'Subject: line, blank line, body with {code}', file: true, check: template(parseMessageTemplate) },
  'pin-message-template': { label: 'PIN message template', allowed: 'Subject: line, blank line, body with {pin}', file: true, check: template(parsePinTemplate) },
  'retry-delays': {
    label: 'Retry delays (seconds)',
    allowed: '1 to 20 comma-separated numbers of seconds (1-86400)',
    check: (value) => (parseRetryDelays(value), value.split(',').map((part) => part.trim()).join(',')),
  },
}

export function isDeliveryKey(key: string): key is DeliveryKey {
  return Object.hasOwn(deliveryKeyDefinitions, key)
}

/** The value as stored, when key and value are valid; otherwise a DeliverySettingError saying why. */
export function checkDeliveryValue(key: string, value: string): string {
  if (!isDeliveryKey(key)) throw new DeliverySettingError(`unknown setting "${key}"; known: ${deliveryKeys.join(', ')}`)
  return asSetting(deliveryKeyDefinitions[key].check)(value)
}

/** How `settings show` and the console show a value: a sealed one only as set, with what is safe to say. */
export function shownValue(key: DeliveryKey, value: string): string {
  const definition = deliveryKeyDefinitions[key]
  if (!definition.sealed) return value
  let safe: string | undefined
  try {
    safe = definition.shown?.(value)
  } catch {}
  return safe === undefined ? 'set (sealed)' : `set (sealed): ${safe}`
}
