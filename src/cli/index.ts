#!/usr/bin/env -S node --max-semi-space-size=8
// --max-semi-space-size=8 (MB; node's default is 16): under load V8 grows its young generation to
// twice that, which at a million users put the server's peak resident memory 20-35 MB higher,
// for no measurable gain in throughput. V8 reads it only at start, so every way the server is
// started says it: this line (npx agentxml, the installed bin), npm start, the Docker image.
import { reportError } from './errors.js'
import { hoistGlobalOptions } from './global-options.js'
import type { Command, Io } from './shared.js'
import { UsageError } from './shared.js'
import { type CommandEntry, globalUsage } from './usage.js'
import { packageVersion } from './version.js'

/**
 * The commands, each loaded only when it is called: `agentxml --help` reads none of them, and
 * `agentxml user list` none of the server's, the directory's or the transports' code (a script
 * that calls the command in a loop pays for what it uses).
 */
const list: readonly (CommandEntry & { load(): Promise<Command> })[] = [
  { name: 'serve', summary: 'run the server (AgentXML, AdminXML, the console, the self-service page)', load: async () => (await import('./serve.js')).serve },
  { name: 'init', summary: 'make the database (and a SQLite key file) before the first start', load: async () => (await import('./init.js')).init },
  { name: 'user', summary: 'add, change, list, show, delete, unlock and import users', load: async () => (await import('./user.js')).user },
  { name: 'agent', summary: 'add, change, list and delete agents (the servers that call AgentXML)', load: async () => (await import('./agent.js')).agent },
  { name: 'nas', summary: 'add, change, list, show and delete RADIUS clients (NAS: VPNs, firewalls)', load: async () => (await import('./nas.js')).nas },
  { name: 'repository', summary: 'user repositories: LDAP / Active Directory users, synchronised', load: async () => (await import('./repository.js')).repository },
  { name: 'reprovision', summary: 'a new provision code for a user, sent or printed', load: async () => (await import('./reprovision.js')).reprovision },
  { name: 'policy', summary: 'show and set the policies (code validity, lockout, self-provision ...)', load: async () => (await import('./policy.js')).policy },
  { name: 'settings', summary: 'show and set the shared delivery settings (SMTP, SMS, site id, public URL, templates)', load: async () => (await import('./settings.js')).settings },
  { name: 'queue', summary: 'the queue of provision messages: list, retry', load: async () => (await import('./queue.js')).queue },
  { name: 'log', summary: 'read the audit log, filtered, as text or JSON lines', load: async () => (await import('./log.js')).log },
  { name: 'admin', summary: "the web console's administrators: add, set-password, list, delete", load: async () => (await import('./admin.js')).admin },
  { name: 'backup', summary: 'a consistent copy of the database, while the server runs', load: async () => (await import('./backup.js')).backup },
  { name: 'restore', summary: 'put a backup in place of the database (server stopped)', load: async () => (await import('./backup.js')).restore },
  { name: 'db', summary: 'copy a database into another, e.g. from SQLite to PostgreSQL', load: async () => (await import('./db.js')).db },
  { name: 'mobile', summary: 'a reference mobile client: provision, download strings, one-time codes', load: async () => (await import('./mobile.js')).mobile },
]
const commands = new Map(list.map((entry) => [entry.name, entry]))

/** `--help` or `-h` before any `--`: what follows `--` is a value. */
const asksForHelp = (args: readonly string[]) => {
  const end = args.indexOf('--')
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h')
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...args] = argv
  if (name === '--version' || name === '-v' || name === '-V') {
    io.stdout.write(`agentxml ${packageVersion()}\n`)
    return 0
  }
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout.write(globalUsage(list))
    return name === undefined ? 2 : 0
  }
  const topic = name === 'help' ? args[0] : name
  const entry = topic === undefined ? undefined : commands.get(topic)
  try {
    if (name === 'help' && topic === undefined) {
      io.stdout.write(globalUsage(list))
      return 0
    }
    if (!entry) throw new UsageError(`unknown command "${topic}"`)
    const command = await entry.load()
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
    const status = reportError(err, io, entry?.name)
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
const argv = hoistGlobalOptions(process.argv.slice(2))
main(argv, io).then(
  (status) => {
    // `serve` keeps running; every other command is done
    if (argv[0] !== 'serve' || status !== 0) process.exitCode = status
  },
  (err: unknown) => {
    process.stderr.write(`agentxml: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exitCode = 1
  },
)
