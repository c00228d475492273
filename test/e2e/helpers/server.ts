import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { childEnv } from './env.js'
import { cliEntry, databaseEnv, projectRoot } from './paths.js'
import { collectLines, type Exit, exitOf, groupGone, groupMembers, killGroup, track } from './processes.js'

export interface ServerOptions {
  /** The database file; the key file and outbox.jsonl go beside it. Without it, no `--db` nor `--port 0`: a `--config` file names them. */
  readonly db?: string
  /** More `serve` flags (`--log-format pinsafe`, `--tls-cert ...`). */
  readonly args?: readonly string[]
  readonly env?: NodeJS.ProcessEnv
  /** Start it as the README does, `npm start -- ...`, instead of `node dist/cli/index.js serve ...`. */
  readonly viaNpm?: boolean
  /** How long to wait for the "listening" line. */
  readonly startTimeoutMs?: number
}

/** One log record of the JSON format. */
export interface LogRecord {
  readonly level: number
  readonly msg: string
  readonly event?: string
  readonly user?: string
  readonly agent?: string
  readonly ip?: string
  readonly reason?: string
  readonly [field: string]: unknown
}

export interface ServerProcess {
  /** From the "agentxml listening on <url>" line. */
  readonly url: string
  /** The spawned process: the server itself, or npm when started through npm. */
  readonly pid: number
  readonly stdout: readonly string[]
  readonly stderr: readonly string[]
  readonly exited: Promise<Exit>
  /** Everything it wrote, both streams. */
  output(): string
  /** The stdout lines that are JSON log records, parsed. */
  records(): LogRecord[]
  /** Resolve with the first stdout line (already seen or still to come) that matches. */
  waitFor(match: (line: string) => boolean, timeoutMs?: number): Promise<string>
  /** Resolve with the first JSON log record that matches. */
  waitForRecord(match: (record: LogRecord) => boolean, timeoutMs?: number): Promise<LogRecord>
  /** Send a signal (to the whole npm group when started through npm) and wait for the exit (of all of them). */
  stop(signal?: NodeJS.Signals): Promise<Exit>
}

interface Tap {
  teardown(fn: () => unknown): void
}

const listening = /agentxml listening on (https?:\/\/[^\s"]+)/

/**
 * Start the real server as its own process on a free port (`--port 0`), wait until it says where
 * it listens, and make sure it is gone when the test ends, pass or fail.
 */
export async function startServer(t: Tap, options: ServerOptions): Promise<ServerProcess> {
  const flags = [...(options.db === undefined ? [] : ['--port', '0', '--db', options.db]), ...(options.args ?? [])]
  const [command, args] = options.viaNpm
    ? ['npm', ['start', '--silent', '--', ...flags]]
    : [process.execPath, [cliEntry, 'serve', ...flags]]
  const child = spawn(command, args, {
    cwd: projectRoot,
    env: childEnv({ ...databaseEnv(options.db), ...options.env }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // its own process group: npm's shell and node are stopped with it
    detached: true,
  })
  track(child)
  const pid = child.pid
  if (pid === undefined) throw new Error(`could not start ${command}`)
  const exited = exitOf(child)
  // the streams end once every process holding them has exited: npm's server is its grandchild
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
  t.teardown(async () => {
    // npm's children may outlive npm: what is left of the group goes
    if (groupMembers(pid).length > 0) killGroup(pid, 'SIGKILL')
    await exited
  })

  const stdout: string[] = []
  const stderr: string[] = []
  const waiters = new Set<() => void>()
  const notify = () => waiters.forEach((check) => check())
  collectLines(child.stdout, stdout, notify)
  collectLines(child.stderr, stderr, notify)
  void exited.then(notify)

  const waitFor = (match: (line: string) => boolean, timeoutMs = 10_000) =>
    new Promise<string>((resolve, reject) => {
      const done = (finish: () => void) => {
        waiters.delete(check)
        clearTimeout(timer)
        finish()
      }
      const check = () => {
        const line = stdout.find(match)
        if (line !== undefined) return done(() => resolve(line))
        if (child.exitCode !== null || child.signalCode !== null) {
          done(() => reject(new Error(`server exited (${child.exitCode ?? child.signalCode}) before the line came:\n${output()}`)))
        }
      }
      const timer = setTimeout(() => done(() => reject(new Error(`no such line within ${timeoutMs} ms:\n${output()}`))), timeoutMs)
      waiters.add(check)
      check()
    })
  const output = () => [...stdout, ...stderr].join('\n')
  const records = () => stdout.flatMap(parseRecord)
  const waitForRecord = async (match: (record: LogRecord) => boolean, timeoutMs?: number) => {
    const line = await waitFor((text) => parseRecord(text).some(match), timeoutMs)
    return parseRecord(line)[0] as LogRecord
  }
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!options.viaNpm) {
      child.kill(signal)
      const exit = await exited
      await closed // its last lines read
      return exit
    }
    // as a terminal's Ctrl-C does: the signal goes to npm, its shell and the server at once
    killGroup(pid, signal)
    const exit = await exited
    if (!(await groupGone(pid))) throw new Error(`processes of npm start still run after ${signal}`)
    await closed
    return exit
  }

  // generous: on a busy two-core machine a start on PostgreSQL has been seen to take over 20 s
  const line = await waitFor((text) => listening.test(text), options.startTimeoutMs ?? 60_000)
  const url = listening.exec(line)?.[1] ?? ''
  return { url, pid, stdout, stderr, exited, output, records, waitFor, waitForRecord, stop }
}

function parseRecord(line: string): LogRecord[] {
  if (!line.startsWith('{')) return []
  try {
    return [JSON.parse(line) as LogRecord]
  } catch {
    return []
  }
}

/** Resident memory of a process in KiB, from `/proc/<pid>/status` (Linux). */
export async function residentKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status)
  if (!match?.[1]) throw new Error(`no VmRSS for process ${pid}`)
  return Number(match[1])
}
