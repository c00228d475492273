#!/usr/bin/env node
import { admin } from './admin.js'
import { agent } from './agent.js'
import { backup, restore } from './backup.js'
import { db } from './db.js'
import { reportError } from './errors.js'
import { init } from './init.js'
import { log } from './log.js'
import { mobile } from './mobile.js'
import { policy } from './policy.js'
import { queue } from './queue.js'
import { repository } from './repository.js'
import { reprovision } from './reprovision.js'
import { serve } from './serve.js'
import type { Command, Io } from './shared.js'
import { UsageError } from './shared.js'
import { globalUsage } from './usage.js'
import { user } from './user.js'
import { packageVersion } from './version.js'

const list: readonly Command[] = [serve, init, user, agent, repository, reprovision, policy, queue, log, admin, backup, restore, db, mobile]
const commands: ReadonlyMap<string, Command> = new Map(list.map((command) => [command.name, command]))

/** `--help` or `-h` before any `--`: what follows `--` is a value. */
const asksForHelp = (args: readonly string[]) => {
  const end = args.indexOf('--')
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h')
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...args] = argv
  if (name === '--version' || name === '-V') {
    io.stdout.write(`agentxml ${packageVersion()}\n`)
    return 0
  }
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout.write(globalUsage(list))
    return name === undefined ? 2 : 0
  }
  const topic = name === 'help' ? args[0] : name
  const command = topic === undefined ? undefined : commands.get(topic)
  try {
    if (name === 'help' && topic === undefined) {
      io.stdout.write(globalUsage(list))
      return 0
    }
    if (!command) throw new UsageError(`unknown command "${topic}"`)
    if (name === 'help' || asksForHelp(args)) {
      io.stdout.write(command.usage)
      return 0
    }
    const [verb] = args
    if (command.verbs && (verb === undefined || verb.startsWith('-'))) {
      // `agentxml user` alone: what the user command can do
      io.stdout.write(command.usage)
      return 2
    }
    if (command.verbs && !command.verbs.includes(verb ?? '')) throw new UsageError(`unknown ${command.name} command "${verb}"`)
    await command.run(args, io)
    return 0
  } catch (err) {
    const status = reportError(err, io, command?.name)
    if (status === undefined) throw err
    return status
  }
}

// `agentxml user list | head -1`: a reader that stops early ends the command quietly
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0)
})

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
