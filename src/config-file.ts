import { readFileSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parse as parseToml, TomlError } from 'smol-toml'
import { ConfigError, type Flags } from './config.js'

/** How a flag takes its value: parseArgs' `string`, `boolean`, or a `string` given more than once. */
export type SettingKind = 'string' | 'boolean' | 'list'

export interface ConfigFile {
  /** Every key of the file, typed as its flag would be, relative paths resolved from the file's folder. */
  readonly settings: Flags
  /** Said on stderr, the command still runs: a password others can read. */
  readonly warnings: readonly string[]
}

// settings that name a file: read from the file's folder, as a unit or a container expects
const namesFile = (key: string) => /^(db|outbox)$|-(file|cert|key|ca|template)$/.test(key)

/**
 * A TOML file of settings by the long names of the flags (`port = 8080`, `tls-cert = "cert.pem"`,
 * `sms-header = ["N: V"]`, `smtp-require-tls = true`). `kinds` is every setting a file may hold;
 * `source` says where the file's name came from, for the line that says it cannot be read.
 */
export function readConfigFile(file: string, kinds: ReadonlyMap<string, SettingKind>, source: string): ConfigFile {
  const table = parsed(file, source)
  const settings: Record<string, string | boolean | readonly string[]> = {}
  for (const [key, value] of Object.entries(table)) {
    if (isTable(value)) throw new ConfigError(`${file}: [${key}] is a table; settings are keys at the top of the file, before any [section]`)
    const kind = kinds.get(key)
    if (kind === undefined) throw new ConfigError(`${file}: unknown setting "${key}"${nearest(key, [...kinds.keys()])}`)
    const typed = typedAs(kind, value, `${file}: ${key}`)
    settings[key] = namesFile(key) && typeof typed === 'string' && !isAddress(typed) ? resolve(dirname(resolve(file)), typed) : typed
  }
  const secrets = othersMayRead(file) ? passwordsIn(settings) : []
  return { settings, warnings: secrets.length === 0 ? [] : [`${file} holds a password (${secrets.join(', ')}) and every user of this machine may read it: chmod o-r ${file}`] }
}

function parsed(file: string, source: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const problem = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a folder, not a file' : (err as Error).message
    throw new ConfigError(`${source} ${file}: ${problem}`)
  }
  try {
    return parseToml(text)
  } catch (err) {
    if (!(err instanceof TomlError)) throw err
    // smol-toml's message ends with a picture of the lines around the mistake: the line number says it in one line
    const reason = err.message.replace(/^Invalid TOML document: /, '').split('\n')[0]
    throw new ConfigError(`${file} line ${err.line}: not TOML: ${reason}`)
  }
}

/** A whole number is taken for a string setting (`port = 8080`, `radius = 1812`) as its digits; the setting's own check judges it. */
function typedAs(kind: SettingKind, value: unknown, name: string): string | boolean | readonly string[] {
  if (value === '') throw new ConfigError(`${name} is empty: leave the key out for the default`)
  if (kind === 'boolean') {
    if (typeof value === 'boolean') return value
    throw new ConfigError(`${name} must be true or false, not ${shown(value)}`)
  }
  if (typeof value === 'string') return kind === 'list' ? [value] : value
  if (kind === 'string' && Number.isSafeInteger(value)) return String(value)
  if (kind === 'list' && Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '')) return value as string[]
  throw new ConfigError(`${name} must be ${kind === 'list' ? 'a list of strings (["…", "…"])' : 'a string or a whole number'}, not ${shown(value)}`)
}

const isTable = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)

/** A value as the file wrote it, or what it is. */
function shown(value: unknown): string {
  if (Array.isArray(value)) return 'a list'
  if (value instanceof Date) return 'a date'
  return typeof value === 'string' ? `"${value}"` : String(value)
}

const isAddress = (text: string) => text === ':memory:' || /^[a-z][a-z0-9+.-]*:\/\//i.test(text)

function othersMayRead(file: string): boolean {
  return (statSync(file).mode & 0o004) !== 0
}

/** The settings holding a secret: a URL with a password (SMTP, PostgreSQL, the SMS gateway), an Authorization header. */
function passwordsIn(settings: Flags): string[] {
  return Object.entries(settings)
    .filter(([, value]) => [value].flat().some((text) => typeof text === 'string' && (hasPassword(text) || /^authorization\s*:/i.test(text))))
    .map(([key]) => key)
}

function hasPassword(text: string): boolean {
  try {
    return new URL(text).password !== ''
  } catch {
    return false
  }
}

/** ` (the nearest setting is "port")`: fewest letters to change, then first in the flags' order. */
function nearest(key: string, names: readonly string[]): string {
  const [best] = names.map((name) => ({ name, distance: editDistance(key, name) })).sort((a, b) => a.distance - b.distance)
  return best ? ` (the nearest setting is "${best.name}")` : ''
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const next = [i]
    for (let j = 1; j <= b.length; j++) next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    row = next
  }
  return row[b.length] ?? 0
}
