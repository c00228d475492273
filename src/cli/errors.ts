import { ConfigError } from '../config.js'
import { BackupError, DatabaseError } from '../db/errors.js'
import { DomainError } from '../domain/errors.js'
import { PolicyError } from '../domain/policy.js'
import { KeyError } from '../secrets.js'
import { AlreadyReported, CliError, type Io, isDatabaseError, UsageError } from './shared.js'

/** Errors a user can cause get one line; anything else is a bug and keeps its stack. */
const userErrors = [CliError, ConfigError, DomainError, PolicyError, BackupError, DatabaseError, KeyError]

/**
 * What `agentxml` prints for a failure: one line on stderr and the exit status, 2 for a mistake
 * in the call (with where to read the usage), 1 for anything else the user can fix.
 * Undefined for a bug, which the entry point reports with its stack.
 */
export function reportError(err: unknown, io: Io, command: string | undefined): number | undefined {
  // its line is out already (a failed sync logs its own)
  if (err instanceof AlreadyReported) return 1
  if (err instanceof UsageError) {
    io.stderr.write(`agentxml: ${err.message}; try agentxml ${command ? `${command} ` : ''}--help\n`)
    return 2
  }
  if (userErrors.some((type) => err instanceof type) || isSystemError(err)) {
    io.stderr.write(`agentxml: ${oneLine((err as Error).message)}\n`)
    return 1
  }
  if (isDatabaseError(err)) {
    io.stderr.write(`agentxml: database: ${oneLine(err.message)}\n`)
    return 1
  }
  return undefined
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ')

/** Failures of the environment (a port in use, an unreadable file). */
function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && /^E[A-Z]+$/.test(String((err as NodeJS.ErrnoException).code ?? ''))
}
