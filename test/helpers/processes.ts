import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { join } from 'node:path'

const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'index.js')

export interface CliResult {
  readonly status: number
  readonly stdout: string
  readonly stderr: string
}

/** Run `agentxml ARGS` (the built command) to its end. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...cleanEnv(), ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({ status, stdout, stderr })
    })
  })
}

export interface ServerProcess {
  readonly url: string
  /** Every stdout line so far, parsed when JSON. */
  readonly records: { msg?: string; event?: string; [field: string]: unknown }[]
  waitFor(predicate: (record: { msg?: string; event?: string }) => boolean, timeoutMs?: number): Promise<void>
  stop(): Promise<number | null>
}

/** `agentxml serve --port 0 ARGS`, resolved once it says where it listens. */
export async function startServerProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve', '--port', '0', ...args], { env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  const records: ServerProcess['records'] = []
  let stderr = ''
  let buffered = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8')
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) {
      try {
        records.push(JSON.parse(line) as ServerProcess['records'][number])
      } catch {
        records.push({ msg: line })
      }
    }
  })
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const waitFor = async (predicate: (record: { msg?: string }) => boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs
    while (!records.some(predicate)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`server: expected log line not seen (exit ${child.exitCode}); stderr: ${stderr}; stdout: ${records.map((r) => r.msg).join(' | ')}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
  await waitFor((r) => /^agentxml listening on /.test(r.msg ?? ''))
  const url = (records.find((r) => /^agentxml listening on /.test(r.msg ?? ''))?.msg ?? '').replace('agentxml listening on ', '')
  return {
    url,
    records,
    waitFor,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}

/** The test's environment without any AGENTXML_* setting of the machine running it. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AGENTXML_')))
}
