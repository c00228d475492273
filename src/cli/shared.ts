import { parseArgs, type ParseArgsConfig } from 'node:util'
import { startAuditLog } from '../audit-log.js'
import { type Config, type Flags, loadConfig } from '../config.js'
import type { Services } from '../domain/services.js'
import { createAuditRelay } from '../logging/audit.js'
import { createLogger } from '../logging/logger.js'
import { plainStream } from '../logging/plain.js'
import { openServices } from '../runtime.js'

/** A mistake in how the command was called: exit status 2, with the usage. */
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

export type Options = NonNullable<ParseArgsConfig['options']>

/** Options every command takes. */
export const common = { db: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const satisfies Options

export function parse<const O extends Options>(args: readonly string[], options: O) {
  const config = { args: [...args], options: { ...common, ...options }, allowPositionals: true, strict: true } as const
  try {
    return parseArgs(config)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

/** One positional argument, required. */
export function positional(positionals: readonly string[], index: number, name: string): string {
  const value = positionals[index]
  if (value === undefined || value === '') throw new UsageError(`missing ${name}`)
  return value
}

export function configFrom(values: Flags, io: Io): Config {
  return loadConfig(values, io.env)
}

/** Open the database and keys for one command, logging plain lines, and close them after. */
export async function withServices<T>(values: Flags, io: Io, work: (services: Services, config: Config) => Promise<T>): Promise<T> {
  const config = configFrom(values, io)
  const audit = createAuditRelay()
  const log = createLogger({ format: 'json', level: config.logLevel, destination: plainStream(io.stdout, io.stderr), audit })
  const services = await openServices(config, log)
  const auditLog = startAuditLog(services, audit, { purge: false })
  try {
    return await work(services, config)
  } finally {
    await auditLog.stop()
    await services.db.destroy()
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
