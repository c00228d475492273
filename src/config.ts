import { dirname, join, resolve } from 'node:path'

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
  readonly smtpUrl: string | undefined
  readonly smtpFrom: string | undefined
  readonly smsUrl: string | undefined
}

/** The command-line options that override the environment; names as the flags spell them. */
export type Flags = Readonly<Record<string, string | boolean | readonly string[] | undefined>>

export class ConfigError extends Error {}

/** Read flags and environment once, validate, freeze. Flags win over the environment. */
export function loadConfig(flags: Flags, env: NodeJS.ProcessEnv): Config {
  const pick = (flag: string, variable: string): string | undefined => {
    const value = flags[flag]
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
  return Object.freeze({
    host: pick('host', 'AGENTXML_HOST') ?? '127.0.0.1',
    port: parsePort(pick('port', 'AGENTXML_PORT') ?? '8080'),
    dbFile,
    dataDir,
    keyFile: join(dataDir, 'agentxml.key'),
    secretKey: env.AGENTXML_SECRET_KEY === '' ? undefined : env.AGENTXML_SECRET_KEY,
    outboxFile: pick('outbox', 'AGENTXML_OUTBOX') ?? join(dataDir, 'outbox.jsonl'),
    logFormat: parseLogFormat(pick('log-format', 'AGENTXML_LOG_FORMAT') ?? 'json'),
    logLevel: pick('log-level', 'AGENTXML_LOG_LEVEL') ?? 'info',
    tls: tlsCert && tlsKey ? Object.freeze({ certFile: tlsCert, keyFile: tlsKey }) : undefined,
    siteId: pick('site-id', 'AGENTXML_SITE_ID'),
    publicUrl: parseUrl(pick('public-url', 'AGENTXML_PUBLIC_URL'), '--public-url'),
    // behind a reverse proxy, the client address comes from X-Forwarded-For (agents are matched on it)
    trustProxy: flags['trust-proxy'] === true || /^(1|yes|true)$/i.test(env.AGENTXML_TRUST_PROXY ?? ''),
    smtpUrl: pick('smtp-url', 'AGENTXML_SMTP_URL'),
    smtpFrom: pick('smtp-from', 'AGENTXML_SMTP_FROM'),
    smsUrl: pick('sms-url', 'AGENTXML_SMS_URL'),
  })
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

function parseUrl(text: string | undefined, name: string): URL | undefined {
  if (text === undefined) return undefined
  try {
    const url = new URL(text)
    if (url.protocol === 'http:' || url.protocol === 'https:') return url
  } catch {}
  throw new ConfigError(`${name} must be an http or https URL, not "${text}"`)
}
