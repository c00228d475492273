import { accessSync, constants } from 'node:fs'
import { hostname } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseListener, parseMetrics, radsecFrom } from './config-listeners.js'
import { settingSources } from './config-sources.js'
import { parseNetwork, type TrustedProxies } from './domain/networks.js'
import { defaultRetryDelays, isSmtpFrom, parseRetryDelays, parseSmsGateway, parseSmtpUrl } from './transports/settings.js'

export type LogFormat = 'json' | 'pinsafe'

export type Engine = 'sqlite' | 'postgres'

export interface Config {
  readonly host: string
  readonly port: number
  /** A SQLite file path, or a `postgres://` URL (`--db`, `AGENTXML_DB`). */
  readonly db: string
  readonly engine: Engine
  /** Folder of the SQLite database (the key file and the outbox live here); ./data for PostgreSQL. */
  readonly dataDir: string
  /** The master key's file: beside a SQLite database unless given; for PostgreSQL only when given. */
  readonly keyFile: string | undefined
  readonly secretKey: string | undefined
  /** Names this node in audit rows and PostgreSQL's session list. */
  readonly nodeName: string
  readonly outboxFile: string
  readonly logFormat: LogFormat
  readonly logLevel: string
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined
  readonly siteId: string | undefined
  /** The address mobile clients reach, for the site lookup (docs/protocol.md §10). */
  readonly publicUrl: URL | undefined
  /** The reverse proxies whose `X-Forwarded-For` is believed; undefined: none, the socket's peer is the client. */
  readonly trustProxy: TrustedProxies | undefined
  /** Bytes a request to the public /proxy context may have (413 over it); the agent contexts take 64 KiB. */
  readonly proxyBodyLimit: number
  /** Elements an AgentXML request may hold, the root included; more is AGENT_ERROR_GENERAL, unparsed. */
  readonly maxElements: number
  /** Seconds a client has to send a whole request (headers and body) before it gets 408. */
  readonly requestTimeout: number
  /** `GET /metrics` (Prometheus) on a listener of its own (`--metrics [HOST:]PORT`), never the public port; off unless given. */
  readonly metrics: { readonly host: string; readonly port: number; readonly token: string | undefined } | undefined
  /** RADIUS (`--radius [HOST:]PORT`, `AGENTXML_RADIUS`): authentication on PORT, accounting on PORT+1; off unless given. */
  readonly radius: { readonly host: string | undefined; readonly port: number } | undefined
  /**
   * RadSec, RADIUS over TLS (`--radsec [HOST:]PORT`, `AGENTXML_RADSEC`): every packet type on one
   * port, the server's certificate (`--radsec-cert`/`--radsec-key`, else `--tls-cert`/`--tls-key`)
   * and the CA that signed the NASes' client certificates (`--radsec-ca`); off unless given.
   */
  readonly radsec: Radsec | undefined
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
  /** A file replacing the wording of the message that sends a user their PIN. */
  readonly pinMessageTemplateFile: string | undefined
  /** Milliseconds before each retry of a failed delivery. */
  readonly retryDelays: readonly number[]
}

export interface Radsec {
  readonly host: string | undefined
  readonly port: number
  readonly certFile: string
  readonly keyFile: string
  readonly caFile: string
}

/** The command-line options that override the environment; names as the flags spell them. */
export type Flags = Readonly<Record<string, string | boolean | readonly string[] | undefined>>

export class ConfigError extends Error {}

const namesSomething = new Set(['db', 'host', 'metrics-token-file', 'outbox', 'tls-cert', 'tls-key', 'radsec-cert', 'radsec-key', 'radsec-ca', 'smtp-ca', 'message-template', 'pin-message-template', 'site-id'])

/**
 * Read flags, environment and the --config file's settings (`file`, by the flags' names) once,
 * validate, freeze. A flag wins over its variable, which wins over the file.
 */
export function loadConfig(flags: Flags, env: NodeJS.ProcessEnv, file: Flags = {}): Config {
  const sources = settingSources(flags, env, file)
  const pick = (flag: string, variable: string): string | undefined => {
    // an empty variable means unset; an empty name is a mistake (`--db ''` would name the
    // folder above, `--host ''` every interface); the other settings' checks refuse '' themselves
    if (flags[flag] === '' && namesSomething.has(flag)) throw new ConfigError(`--${flag} needs a value`)
    return sources.text(flag, variable)
  }
  const db = pick('db', 'AGENTXML_DB') ?? join('data', 'agentxml.db')
  const engine: Engine = /^postgres(ql)?:\/\//i.test(db) ? 'postgres' : 'sqlite'
  if (engine === 'sqlite' && /^[a-z][a-z0-9+.-]*:\/\//i.test(db)) {
    throw new ConfigError(`--db must be a SQLite file path or a postgres:// URL, not "${db.replace(/\/\/[^@/]*@/, '//…@')}"`)
  }
  const dataDir = engine === 'postgres' || db === ':memory:' ? resolve('data') : dirname(resolve(db))
  const keyFile = pick('key-file', 'AGENTXML_KEY_FILE') ?? (engine === 'sqlite' ? join(dataDir, 'agentxml.key') : undefined)
  const tlsCert = pick('tls-cert', 'AGENTXML_TLS_CERT')
  const tlsKey = pick('tls-key', 'AGENTXML_TLS_KEY')
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key go together')
  }
  const yes = sources.yes
  const delivery = {
    smtpUrl: pick('smtp-url', 'AGENTXML_SMTP_URL'),
    smtpFrom: pick('smtp-from', 'AGENTXML_SMTP_FROM'),
    smsUrl: pick('sms-url', 'AGENTXML_SMS_URL'),
    smtpRequireTls: yes('smtp-require-tls', 'AGENTXML_SMTP_REQUIRE_TLS'),
    smtpCaFile: readableFile(pick('smtp-ca', 'AGENTXML_SMTP_CA'), '--smtp-ca'),
    smsMethod: pick('sms-method', 'AGENTXML_SMS_METHOD'),
    smsHeaders: sources.lines('sms-header', 'AGENTXML_SMS_HEADERS'),
    smsBody: pick('sms-body', 'AGENTXML_SMS_BODY'),
    messageTemplateFile: readableFile(pick('message-template', 'AGENTXML_MESSAGE_TEMPLATE'), '--message-template'),
    pinMessageTemplateFile: readableFile(pick('pin-message-template', 'AGENTXML_PIN_MESSAGE_TEMPLATE'), '--pin-message-template'),
    retryDelays: checked(() => {
      const text = pick('retry-delays', 'AGENTXML_RETRY_DELAYS')
      return text === undefined ? defaultRetryDelays : parseRetryDelays(text)
    }),
  }
  checkDelivery(delivery)
  return Object.freeze({
    host: pick('host', 'AGENTXML_HOST') ?? '127.0.0.1',
    port: parsePort(pick('port', 'AGENTXML_PORT') ?? '8080'),
    db,
    engine,
    dataDir,
    keyFile,
    secretKey: env.AGENTXML_SECRET_KEY === '' ? undefined : env.AGENTXML_SECRET_KEY,
    nodeName: parseNodeName(pick('node-name', 'AGENTXML_NODE_NAME') ?? hostname()),
    outboxFile: pick('outbox', 'AGENTXML_OUTBOX') ?? join(dataDir, 'outbox.jsonl'),
    logFormat: parseLogFormat(pick('log-format', 'AGENTXML_LOG_FORMAT') ?? 'json'),
    logLevel: parseLogLevel(pick('log-level', 'AGENTXML_LOG_LEVEL') ?? 'info'),
    tls: tlsCert && tlsKey ? Object.freeze({ certFile: tlsCert, keyFile: tlsKey }) : undefined,
    siteId: pick('site-id', 'AGENTXML_SITE_ID'),
    publicUrl: parseUrl(pick('public-url', 'AGENTXML_PUBLIC_URL'), '--public-url'),
    // behind a reverse proxy, the client address comes from X-Forwarded-For (agents are matched on it)
    trustProxy: parseTrustProxy(flags['trust-proxy'] === true ? true : pick('trust-proxy', 'AGENTXML_TRUST_PROXY')),
    proxyBodyLimit: parseCount(pick('proxy-body-limit', 'AGENTXML_PROXY_BODY_LIMIT') ?? '4096', '--proxy-body-limit', 'bytes', 512, 65536),
    maxElements: parseCount(pick('max-elements', 'AGENTXML_MAX_ELEMENTS') ?? '64', '--max-elements', 'elements', 8, 100_000),
    requestTimeout: parseSeconds(pick('request-timeout', 'AGENTXML_REQUEST_TIMEOUT') ?? '30', '--request-timeout', 1, 3600),
    metrics: parseMetrics(pick('metrics', 'AGENTXML_METRICS'), pick('metrics-token-file', 'AGENTXML_METRICS_TOKEN_FILE')),
    // accounting listens on the next port
    radius: parseListener(pick('radius', 'AGENTXML_RADIUS'), '--radius', 1812, 65534),
    radsec: radsecFrom(pick, flags, tlsCert && tlsKey ? { certFile: tlsCert, keyFile: tlsKey } : undefined),
    ...delivery,
  })
}

function checked<T>(read: () => T, prefix = ''): T {
  try {
    return read()
  } catch (err) {
    throw new ConfigError(`${prefix}${(err as Error).message}`)
  }
}

/** Transport settings that cannot work are refused at start-up, not at the first message. */
function checkDelivery(delivery: Pick<Config, 'smtpUrl' | 'smtpFrom' | 'smtpRequireTls' | 'smsUrl' | 'smsMethod' | 'smsHeaders' | 'smsBody'>) {
  const { smtpUrl, smtpFrom, smsUrl } = delivery
  if (smtpUrl !== undefined) {
    const server = checked(() => parseSmtpUrl(smtpUrl))
    if (server.secure && delivery.smtpRequireTls) throw new ConfigError('--smtp-require-tls is for smtp:// (STARTTLS); smtps:// is always TLS')
    // --smtp-from may be the shared setting: runtime.ts checks once the database is open
  }
  if (smtpFrom !== undefined && !isSmtpFrom(smtpFrom)) {
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

function parseNodeName(text: string): string {
  if (!/^[\p{L}\p{N}._:-]{1,64}$/u.test(text)) throw new ConfigError(`--node-name must be 1 to 64 letters, digits or . _ : -, not "${text}"`)
  return text
}

function parseCount(text: string, name: string, unit: string, min: number, max: number): number {
  const count = Number(text)
  if (!/^\d+$/.test(text) || count < min || count > max) throw new ConfigError(`${name} must be a number of ${unit} from ${min} to ${max}, not "${text}"`)
  return count
}

function parsePort(text: string): number {
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65535) throw new ConfigError(`port must be a number from 0 to 65535, not "${text}"`)
  return port
}

/** Addresses and networks (`10.0.0.5,10.1.0.0/16`), or a hop count (`1`); `0`, `no` or nothing: none. */
function parseTrustProxy(value: string | true | undefined): TrustedProxies | undefined {
  const text = value === true ? 'yes' : (value ?? '').trim()
  if (/^(|0|no|false|off)$/i.test(text)) return undefined
  // the old boolean form trusted every address, so any client could choose its own
  if (/^(yes|true|on)$/i.test(text)) {
    throw new ConfigError(`--trust-proxy takes the proxies to trust, e.g. 10.0.0.5,10.1.0.0/16, or a number of proxy hops, e.g. 1; "${text}" would trust every address`)
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text)
    if (hops > 32) throw new ConfigError(`--trust-proxy must be a hop count from 1 to 32, or addresses and networks, not "${text}"`)
    return { hops }
  }
  return { networks: text.split(',').map((network) => checked(() => parseNetwork(network), '--trust-proxy: ')) }
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
