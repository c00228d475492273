import { spawn } from 'node:child_process'
import { childEnv } from './env.js'
import { cliEntry, databaseEnv, projectRoot } from './paths.js'
import { exitOf, killGroup, track } from './processes.js'

export interface CliOptions {
  /** Passed as `--db`; leave out to test the default or `AGENTXML_DB`. */
  readonly db?: string
  readonly env?: NodeJS.ProcessEnv
  /** Written to standard input, which is then closed. */
  readonly input?: string
  /**
   * `node` (the default) runs the compiled file that `npx agentxml` runs, directly: npm's start-up
   * would triple each call's second of CPU. `npx` runs it the way the operations guide does (the
   * first test of e2e/cli.test.ts; npx-checkout.test.ts covers npx's first run in a checkout).
   */
  readonly via?: 'npx' | 'node'
  readonly timeoutMs?: number
}

export interface CliResult {
  readonly args: readonly string[]
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
  readonly stdoutLines: string[]
}

/** Run `agentxml <args> --db <db>` from the checkout (see `via`) and collect what it printed. */
export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const full = [...args, ...(options.db === undefined ? [] : ['--db', options.db])]
  // --no: never fetch a package called agentxml from the registry; only this checkout's bin will do
  const [command, commandArgs] =
    options.via === 'npx' ? ['npx', ['--no', 'agentxml', ...full]] : [process.execPath, [cliEntry, ...full]]
  const child = spawn(command, commandArgs, {
    cwd: projectRoot,
    env: childEnv({ ...databaseEnv(options.db), ...options.env }),
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  })
  track(child)
  const [stdout, stderr] = [readAll(child.stdout), readAll(child.stderr)]
  child.stdin?.end(options.input ?? '')
  const timeoutMs = options.timeoutMs ?? 60_000
  const timer = setTimeout(() => child.pid && killGroup(child.pid, 'SIGKILL'), timeoutMs)
  const exit = await exitOf(child)
  clearTimeout(timer)
  const out = await stdout
  return { args: full, status: exit.code, stdout: out, stderr: await stderr, stdoutLines: out.split('\n').filter(Boolean) }
}

/** All a stream writes, once it ends (which may be after the process's 'exit'). */
function readAll(stream: NodeJS.ReadableStream | null): Promise<string> {
  if (!stream) return Promise.resolve('')
  let text = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => (text += chunk))
  return new Promise((resolve) => stream.once('close', () => resolve(text)))
}

/** Run a command that must succeed; its output goes into the error when it does not. */
export async function mustRun(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const result = await runCli(args, options)
  if (result.status !== 0) {
    throw new Error(`agentxml ${result.args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`)
  }
  return result
}
