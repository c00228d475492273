import { userInfo } from 'node:os'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { startAuditLog } from '../audit-log.js'
import { type Config, ConfigError, type Flags, loadConfig } from '../config.js'
import { readConfigFile, type SettingKind } from '../config-file.js'
import type { Services } from '../domain/services.js'
import { createAuditRelay } from '../logging/audit.js'
import { createLogger } from '../logging/logger.js'
import { plainStream } from '../logging/plain.js'
import { serveOptions } from './serve-options.js'

/** A mistake in how the command was called: exit status 2, with where to read the usage. */
export class UsageError extends Error {}

/** Something the user can fix: exit status 1 and one line. */
export class CliError extends Error {}

/** A failure its log line has already told (on stderr): exit status 1 and no second line. */
export class AlreadyReported extends CliError {}

export interface Io {
  readonly env: NodeJS.ProcessEnv
  readonly stdout: NodeJS.WritableStream
  readonly stderr: NodeJS.WritableStream
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean }
}

/** One `agentxml` command: every command module of src/cli exports one, and index.ts dispatches by name. */
export interface Command {
  readonly name: string
  /** Its own usage, for `agentxml NAME --help` and `agentxml help NAME`. */
  readonly usage: string
  /** The subcommands of a group (`user add`, `user list`); without one the usage is shown. */
  readonly verbs?: readonly string[]
  run(args: readonly string[], io: Io): Promise<void>
}

/** The lines every usage that opens the database ends with. */
export const dbHelp = `Every command takes --db FILE|URL (default: $AGENTXML_DB, else ./data/agentxml.db; a
postgres://user:password@host:5432/database URL selects PostgreSQL) and --key-file FILE (default:
agentxml.key beside a SQLite database; PostgreSQL needs it, or AGENTXML_SECRET_KEY). Only serve
and init make a database that does not exist yet. --config FILE (AGENTXML_CONFIG) reads the
settings the command takes from a TOML file, by the flags' long names (db = "agentxml.db"), paths
relative to the file's folder; a flag wins over its AGENTXML_* variable, which wins over the file.`

export type Options = NonNullable<ParseArgsConfig['options']>

/** Options every command takes. */
export const common = { db: { type: 'string' }, 'key-file': { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const satisfies Options

/**
 * Parse a command's arguments. A negative number (`policy set max-login-tries -1`) is a value,
 * never a flag (no option is a digit), so the rule that judges the value can say why it is wrong.
 */
export function parse<const O extends Options>(args: readonly string[], options: O) {
  const numbers = new Map<string, string>()
  const masked = args.map((arg, i) => {
    if (!/^-\d/.test(arg)) return arg
    const stand = `\u0000${i}`
    numbers.set(stand, arg)
    return stand
  })
  const config = { args: masked, options: { ...common, ...options }, allowPositionals: true, strict: true } as const
  let parsed: ReturnType<typeof parseArgs<typeof config>>
  try {
    parsed = parseArgs(config)
  } catch (err) {
    throw new UsageError(parseProblem(err as Error & { code?: string }))
  }
  const unmask = (value: unknown): unknown =>
    typeof value === 'string' ? (numbers.get(value) ?? value) : Array.isArray(value) ? value.map(unmask) : value
  // every option the command takes is a key, undefined unless given: configFrom takes those from a --config file
  const taken = Object.fromEntries(Object.keys(config.options).map((name) => [name, undefined]))
  const values = { ...taken, ...Object.fromEntries(Object.entries(parsed.values).map(([key, value]) => [key, unmask(value)])) } as typeof parsed.values
  return { values, positionals: parsed.positionals.map((p) => numbers.get(p) ?? p) }
}

/**
 * Parse for one subcommand of a group: `options` are all the group's, `allowed` the names this
 * one takes; any other is refused as unknown rather than ignored.
 */
export function parseFor<const O extends Options>(args: readonly string[], options: O, allowed: readonly (keyof O & string)[]) {
  const taken = Object.fromEntries(Object.entries(options).filter(([key]) => allowed.includes(key))) as O
  return parse(args, taken)
}

/** node's parseArgs messages run to three lines and suggest syntax we do not use: one line instead. */
function parseProblem(err: Error & { code?: string }): string {
  const quoted = /'([^']+)'/.exec(err.message)?.[1] ?? ''
  const flag = /--[\w-]+/.exec(quoted)?.[0] ?? quoted
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${flag}`
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(err.message)) return `${flag} takes no value`
    if (/ambiguous/.test(err.message)) return `${flag} needs a value (write ${flag}=VALUE for one starting with "-")`
    return `${flag} needs a value`
  }
  return err.message.split('\n')[0] ?? 'bad arguments'
}

/** One positional argument, required. */
export function positional(positionals: readonly string[], index: number, name: string): string {
  const value = positionals[index]
  if (value === undefined || value === '') throw new UsageError(`missing ${name}`)
  return value
}

/** Arguments past those a command takes are a mistake, not something to ignore. */
export function assertNoMore(positionals: readonly string[], count: number): void {
  const extra = positionals[count]
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`)
}

export function configFrom(values: Flags, io: Io): Config {
  return loadConfig(values, io.env, fileSettings(values, io))
}

/** Every setting a --config file may hold: the options every command takes, and serve's (every setting of one process). */
export const fileSettingKinds: ReadonlyMap<string, SettingKind> = new Map(
  Object.entries({ ...common, ...serveOptions })
    .filter(([name]) => name !== 'help' && name !== 'config')
    .map(([name, option]) => [name, 'multiple' in option && option.multiple ? 'list' : option.type]),
)

const warned = new Set<string>()

/**
 * The settings of the --config file (else AGENTXML_CONFIG) that this command takes as flags
 * (parse() gives `values` a key for each); another command's are left to it, unread.
 */
function fileSettings(values: Flags, io: Io): Flags {
  const flag = values.config
  if (flag === '') throw new ConfigError('--config needs a value')
  const file = typeof flag === 'string' ? flag : io.env.AGENTXML_CONFIG || undefined
  if (file === undefined) return {}
  const { settings, warnings } = readConfigFile(file, fileSettingKinds, typeof flag === 'string' ? '--config' : 'AGENTXML_CONFIG')
  // init and db copy read their settings twice: one warning
  for (const warning of warnings.filter((line) => !warned.has(line))) {
    warned.add(warning)
    io.stderr.write(`agentxml: warning: ${warning}\n`)
  }
  return Object.fromEntries(Object.entries(settings).filter(([key]) => key in values))
}

/** SQLite's own failures (a corrupt file, a full disk, a database locked for too long). */
export function isDatabaseError(err: unknown): err is Error & { code: string } {
  return err instanceof Error && /^SQLITE_/.test(String((err as { code?: unknown }).code ?? ''))
}

/** Opening fails in SQLite's words ("file is not a database"): say which file. */
export async function openingDatabase<T>(config: Config, open: () => Promise<T>): Promise<T> {
  try {
    return await open()
  } catch (err) {
    if (isDatabaseError(err)) throw new CliError(`database ${config.engine === 'sqlite' ? config.db : 'PostgreSQL'}: ${err.message}`)
    throw err
  }
}

/**
 * Open the database and keys for one command, logging plain lines, and close them after. Only
 * `create` (init) makes a database that does not exist: a mistyped --db is an error, not a new one.
 */
export async function withServices<T>(
  values: Flags,
  io: Io,
  work: (services: Services, config: Config) => Promise<T>,
  options: { create?: boolean } = {},
): Promise<T> {
  const config = configFrom(values, io)
  const audit = createAuditRelay()
  // every audit row a command writes names who ran it, as the console's name its administrator
  const log = createLogger({ format: 'json', level: config.logLevel, destination: plainStream(io.stdout, io.stderr), audit }).child({ operator: operatorName(io.env) })
  // loaded here, not with the command: `--help` and a mistyped flag need none of the database code
  const { openServices } = await import('../runtime.js')
  const services = await openingDatabase(config, () => openServices(config, log, {}, options))
  const auditLog = startAuditLog(services, audit, { purge: false })
  try {
    return await work(services, config)
  } finally {
    await auditLog.stop()
    await services.store.close()
  }
}

export const print = (io: Io, line = '') => io.stdout.write(`${line}\n`)

export function formatTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Columns padded to their widest cell. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? []
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n')
}

/**
 * The operating-system user running the command, for its audit rows: `sudo` says who asked
 * (`root (sudo: alice)`); a container user with no passwd entry is named by its uid.
 */
export function operatorName(env: NodeJS.ProcessEnv): string {
  let name: string
  try {
    name = userInfo().username
  } catch {
    name = `uid ${process.getuid?.() ?? '?'}`
  }
  return env.SUDO_USER && env.SUDO_USER !== name ? `${name} (sudo: ${env.SUDO_USER})` : name
}
