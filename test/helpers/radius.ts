import { spawn, spawnSync } from 'node:child_process'

// FreeRADIUS's radclient and radtest (freeradius-utils) are the independent clients the RADIUS
// tests speak to; tap reads this environment in the test process only, and CI sets it so that
// missing tools fail rather than skip
export const requireRadius = process.env.AGENTXML_REQUIRE_RADIUS === '1'
const available = spawnSync('radclient', ['-h'], { stdio: 'ignore' }).error === undefined && spawnSync('radtest', [], { stdio: 'ignore' }).error === undefined

/** `skip` for tap: false when the tools can run; else ONE line saying how to enable the RADIUS tests. */
export const radiusSkip: string | false =
  available || requireRadius ? false : 'radclient/radtest are missing: apt-get install freeradius-utils (AGENTXML_REQUIRE_RADIUS=1 makes this a failure)'
export const radiusToolsAvailable = available

export interface ToolRun {
  readonly code: number | null
  /** stdout and stderr together. */
  readonly out: string
}

function run(command: string, args: readonly string[], input?: string): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out }))
    child.stdin.end(input ?? '')
  })
}

/** radclient with its attributes on stdin, one try, a 2 s timeout unless `args` say otherwise; `-x` prints what it received. */
export const runRadclient = (args: readonly string[], input: string): Promise<ToolRun> => run('radclient', ['-x', '-r', '1', '-t', '2', ...args], input)

/** Attribute lines for radclient's stdin. */
export const lines = (...attributes: string[]) => attributes.map((a) => `${a}\n`).join('')

/** `radtest -t TYPE USER PASSWORD HOST:PORT 0 SECRET` (radtest always adds a Message-Authenticator). */
export const radtest = (type: 'pap' | 'chap' | 'mschap', user: string, password: string, port: number, secret: string): Promise<ToolRun> =>
  run('radtest', ['-t', type, '-x', user, password, `127.0.0.1:${port}`, '0', secret])
