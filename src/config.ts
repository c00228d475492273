import { accessSync, constants } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { defaultRetryDelays, parseRetryDelays, parseSmsGateway, parseSmtpUrl } from './transports/settings.js'

export type LogFormat = 'json' | 'pinsafe'

export interface Config {
  readonly host: string
  readonly port: number
  readonly dbFile: string
  /** Folder of the database: the key file and the outbox live here. */
  readonly dataDir: string
  readonly keyFile: string
  readonly secretKey: string | undefined
  readonly outboxFile: string
  readonly logFormat: LogFormat
  readonly logLevel: string
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined
  readonly siteId: string | undefined
  /** The address mobile clients reach, for the site lookup (spec §10). */
  readonly publicUrl: URL | undefined
  readonly trustProxy: boolean
  /** Seconds a client has to send a whole request (headers and body) before it gets 408. */
  readonly requestTimeout: number
  readonly smtpUrl: string | undefined
  readonly smtpFrom: string | undefined
  readonly smsUrl: string | undefined
  /** Refuse to send mail unless the server offers STARTTLS (smtp:// only). */
  readonly smtpRequireTls: boolean
  /** A CA certificate file to trust for the SMTP server (a private CA). */
  readonly smtpCaFile: string | undefined
  readonly smsMethod: string | undefined
  /** `Name: value` lines sent to the SMS gateway. */
  readonly smsHeaders: readonly string[]
  readonly smsBody: string | undefined
  /** A file replacing the wording of provision messages. */
  readonly messageTemplateFile: string | undefined
  /** Milliseconds before each retry of a failed delivery. */
  readonly retryDelays: readonly number[]
}

/** The command-line options that override the environment; names as the flags spell them. */
export type Flags = Readonly<Record<string, string | boolean | readonly string[] | undefined>>

export class ConfigError extends Error {}

const namesSomething = new Set(['db', 'host', 'outbox', 'tls-cert', 'tls-key', 'smtp-ca', 'message-template', 'site-id'])

/** Read flags and environment once, validate, freeze. Flags win over the environment. */
export function loadConfig(flags: Flags, env: NodeJS.ProcessEnv): Config {
  const pick = (flag: string, variable: string): string | undefined => {
    const value = flags[flag]
    // an empty variable means unset; an empty name is a mistake (`--db ''` would name the
    // folder above, `--host ''` every interface); the other settings' checks refuse '' themselves
    if (value === '' && namesSomething.has(flag)) throw new ConfigError(`--${flag} needs a value`)
    if (typeof value === 'string') return value
    const fromEnv = env[variable]
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv
  }
  const dbFile = pick('db', 'AGENTXML_DB') ?? join('data', 'agentxml.db')
  const dataDir = dbFile === ':memory:' ? resolve('data') : dirname(resolve(dbFile))
  const tlsCert = pick('tls-cert', 'AGENTXML_TLS_CERT')
  const tlsKey = pick('tls-key', 'AGENTXML_TLS_KEY')
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key go together')
  }
  const yes = (flag: string, variable: string) => flags[flag] === true || /^(1|yes|true)$/i.test(env[variable] ?? '')
  const delivery = {
    smtpUrl: pick('smtp-url', 'AGENTXML_SMTP_URL'),
    smtpFrom: pick('smtp-from', 'AGENTXML_SMTP_FROM'),
    smsUrl: pick('sms-url', 'AGENTXML_SMS_URL'),
    smtpRequireTls: yes('smtp-require-tls', 'AGENTXML_SMTP_REQUIRE_TLS'),
    smtpCaFile: readableFile(pick('smtp-ca', 'AGENTXML_SMTP_CA'), '--smtp-ca'),
    smsMethod: pick('sms-method', 'AGENTXML_SMS_METHOD'),
    smsHeaders: list(flags['sms-header']) ?? (env.AGENTXML_SMS_HEADERS ?? '').split('\n').filter((line) => line.trim() !== ''),
    smsBody: pick('sms-body', 'AGENTXML_SMS_BODY'),
    messageTemplateFile: readableFile(pick('message-template', 'AGENTXML_MESSAGE_TEMPLATE'), '--message-template'),
    retryDelays: checked(() => {
      const text = pick('retry-delays', 'AGENTXML_RETRY_DELAYS')
      return text === undefined ? defaultRetryDelays : parseRetryDelays(text)
    }),
  }
  checkDelivery(delivery)
  return Object.freeze({
    host: pick('host', 'AGENTXML_HOST') ?? '127.0.0.1',
    port: parsePort(pick('port', 'AGENTXML_PORT') ?? '8080'),
    dbFile,
    dataDir,
    keyFile: join(dataDir, 'agentxml.key'),
    secretKey: env.AGENTXML_SECRET_KEY === '' ? undefined : env.AGENTXML_SECRET_KEY,
    outboxFile: pick('outbox', 'AGENTXML_OUTBOX') ?? join(dataDir, 'outbox.jsonl'),
    logFormat: parseLogFormat(pick('log-format', 'AGENTXML_LOG_FORMAT') ?? 'json'),
    logLevel: parseLogLevel(pick('log-level', 'AGENTXML_LOG_LEVEL') ?? 'info'),
    tls: tlsCert && tlsKey ? Object.freeze({ certFile: tlsCert, keyFile: tlsKey }) : undefined,
    siteId: pick('site-id', 'AGENTXML_SITE_ID'),
    publicUrl: parseUrl(pick('public-url', 'AGENTXML_PUBLIC_URL'), '--public-url'),
    // behind a reverse proxy, the client address comes from X-Forwarded-For (agents are matched on it)
    trustProxy: flags['trust-proxy'] === true || /^(1|yes|true)$/i.test(env.AGENTXML_TRUST_PROXY ?? ''),
    requestTimeout: parseSeconds(pick('request-timeout', 'AGENTXML_REQUEST_TIMEOUT') ?? '30', '--request-timeout', 1, 3600),
    ...delivery,
  })
}

const list = (value: Flags[string]) => (Array.isArray(value) ? (value as readonly string[]) : typeof value === 'string' ? [value] : undefined)

function checked<T>(read: () => T): T {
  try {
    return read()
  } catch (err) {
    throw new ConfigError((err as Error).message)
  }
}

/** Transport settings that cannot work are refused at start-up, not at the first message. */
function checkDelivery(delivery: Pick<Config, 'smtpUrl' | 'smtpFrom' | 'smtpRequireTls' | 'smsUrl' | 'smsMethod' | 'smsHeaders' | 'smsBody'>) {
  const { smtpUrl, smtpFrom, smsUrl } = delivery
  if (smtpUrl !== undefined) {
    const server = checked(() => parseSmtpUrl(smtpUrl))
    if (server.secure && delivery.smtpRequireTls) throw new ConfigError('--smtp-require-tls is for smtp:// (STARTTLS); smtps:// is always TLS')
    if (smtpFrom === undefined) throw new ConfigError('--smtp-url needs --smtp-from (the sender address)')
  }
  if (smtpFrom !== undefined && !/^[^\s@<>]+@[^\s@<>]+$|^[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>$/.test(smtpFrom)) {
    throw new ConfigError(`--smtp-from must be an address (noreply@example.com or "Name <noreply@example.com>"), not "${smtpFrom}"`)
  }
  if (smsUrl !== undefined) {
    checked(() => parseSmsGateway({ url: smsUrl, method: delivery.smsMethod, headers: delivery.smsHeaders, body: delivery.smsBody }))
  } else if (delivery.smsBody !== undefined || delivery.smsMethod !== undefined || delivery.smsHeaders.length > 0) {
    throw new ConfigError('--sms-method, --sms-header and --sms-body need --sms-url')
  }
}

/** A file a setting names is there to read: said now, naming the setting, not at the first message. */
function readableFile(file: string | undefined, name: string): string | undefined {
  if (file === undefined) return undefined
  try {
    accessSync(file, constants.R_OK)
  } catch (err) {
    throw new ConfigError(`${name} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`)
  }
  return file
}

function parseSeconds(text: string, name: string, min: number, max: number): number {
  const seconds = Number(text)
  if (!/^\d+$/.test(text) || seconds < min || seconds > max) throw new ConfigError(`${name} must be a number of seconds from ${min} to ${max}, not "${text}"`)
  return seconds
}

function parsePort(text: string): number {
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65535) throw new ConfigError(`port must be a number from 0 to 65535, not "${text}"`)
  return port
}

function parseLogFormat(text: string): LogFormat {
  if (text === 'json' || text === 'pinsafe') return text
  throw new ConfigError(`log format must be json or pinsafe, not "${text}"`)
}

/** pino's levels: any other name makes pino throw when the logger is made. */
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

function parseLogLevel(text: string): string {
  if ((logLevels as readonly string[]).includes(text)) return text
  throw new ConfigError(`log level must be one of ${logLevels.join(', ')}, not "${text}"`)
}

function parseUrl(text: string | undefined, name: string): URL | undefined {
  if (text === undefined) return undefined
  try {
    const url = new URL(text)
    if (url.protocol === 'http:' || url.protocol === 'https:') return url
  } catch {}
  throw new ConfigError(`${name} must be an http or https URL, not "${text}"`)
}
