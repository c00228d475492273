#!/usr/bin/env node
import { ConfigError } from '../config.js'
import { DatabaseError } from '../db/index.js'
import { DomainError } from '../domain/errors.js'
import { PolicyError } from '../domain/policy.js'
import { KeyError } from '../secrets.js'
import { admin } from './admin.js'
import { agent } from './agent.js'
import { db } from './db.js'
import { init } from './init.js'
import { mobile } from './mobile.js'
import { policy } from './policy.js'
import { queue } from './queue.js'
import { reprovision } from './reprovision.js'
import { serve } from './serve.js'
import { CliError, type Io, UsageError } from './shared.js'
import { usage } from './usage.js'
import { user } from './user.js'

type Command = (args: readonly string[], io: Io) => Promise<void>

const commands: ReadonlyMap<string, Command> = new Map([
  ['serve', serve],
  ['init', init],
  ['agent', agent],
  ['user', user],
  ['reprovision', reprovision],
  ['policy', policy],
  ['queue', queue],
  ['mobile', mobile],
  ['admin', admin],
  ['db', db],
])

/** Errors a user can cause get one line; anything else is a bug and keeps its stack. */
const userErrors = [CliError, ConfigError, DomainError, PolicyError, DatabaseError, KeyError]

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(usage)
    return name === undefined ? 2 : 0
  }
  const command = commands.get(name)
  try {
    if (!command) throw new UsageError(`unknown command "${name}"`)
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout.write(usage)
      return 0
    }
    await command(args, io)
    return 0
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`agentxml: ${err.message}\n\n${usage}`)
      return 2
    }
    if (userErrors.some((type) => err instanceof type)) {
      io.stderr.write(`agentxml: ${(err as Error).message}\n`)
      return 1
    }
    if (isSystemError(err)) {
      io.stderr.write(`agentxml: ${err.message}\n`)
      return 1
    }
    throw err
  }
}

/** Failures of the environment (a port in use, an unreadable file): one line too. */
function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code ?? '')
}

const io: Io = { env: process.env, stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }
main(process.argv.slice(2), io).then(
  (status) => {
    // `serve` keeps running; every other command is done
    if (process.argv[2] !== 'serve' || status !== 0) process.exitCode = status
  },
  (err: unknown) => {
    process.stderr.write(`agentxml: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exitCode = 1
  },
)
