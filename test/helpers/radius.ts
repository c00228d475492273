import { spawn, spawnSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { existsSync } from 'node:fs'
import pino from 'pino'
import { openDatabase } from '../../src/db/index.js'
import type { Services } from '../../src/domain/services.js'
import { decodePacket, type Packet } from '../../src/radius/index.js'
import { keyCheck } from '../../src/secrets.js'

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

/** Datagrams to `port` from one socket; the replies that come within `waitMs`, decoded. */
export async function exchange(port: number, datagrams: readonly Buffer[], waitMs = 500, gapMs = 0): Promise<Packet[]> {
  const socket = createSocket('udp4')
  const replies: Packet[] = []
  socket.on('message', (message) => {
    const packet = decodePacket(message)
    if (!('problem' in packet)) replies.push(packet)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  for (const datagram of datagrams) {
    socket.send(datagram, port, '127.0.0.1')
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs))
  }
  await new Promise((resolve) => setTimeout(resolve, waitMs))
  socket.close()
  return replies
}


/** One datagram to `port`; the first reply, or undefined after `timeoutMs`. */
export async function ask(port: number, datagram: Buffer, timeoutMs = 2000): Promise<Packet | undefined> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  try {
    return await new Promise<Packet | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs)
      socket.on('message', (message) => {
        const packet = decodePacket(message)
        if ('problem' in packet) return
        clearTimeout(timer)
        resolve(packet)
      })
      socket.send(datagram, port, '127.0.0.1')
    })
  } finally {
    socket.close()
  }
}

const pamModule = ['x86_64', 'aarch64'].some((arch) => existsSync(`/lib/${arch}-linux-gnu/security/pam_radius_auth.so`))

/**
 * `skip` for the pamtester tests (pamtester and libpam-radius-auth: a client that answers
 * Access-Challenge). PAM reads services from /etc/pam.d only, so the test writes one there: root.
 */
export const pamSkip: string | false =
  process.getuid?.() !== 0
    ? 'the pamtester test writes a PAM service to /etc/pam.d (PAM reads no other place): run as root to include it'
    : spawnSync('pamtester', ['--version'], { stdio: 'ignore' }).error === undefined && pamModule
      ? false
      : requireRadius
        ? false
        : 'pamtester or libpam-radius-auth is missing: apt-get install pamtester libpam-radius-auth (AGENTXML_REQUIRE_RADIUS=1 makes this a failure)'

/** pamtester SERVICE USER authenticate, its prompts answered in turn from stdin. */
export const pamtester = (service: string, user: string, answers: readonly string[]): Promise<ToolRun> =>
  run('pamtester', ['-v', service, user, 'authenticate'], answers.map((a) => `${a}\n`).join(''))

/** `skip` for the eapol_test tests (wpa_supplicant's EAP test client, Debian's eapoltest). */
export const eapolSkip: string | false =
  spawnSync('eapol_test', ['-h'], { stdio: 'ignore' }).error === undefined || requireRadius
    ? false
    : 'eapol_test is missing: apt-get install eapoltest (AGENTXML_REQUIRE_RADIUS=1 makes this a failure)'

/** `eapol_test -c CONFIG -a 127.0.0.1 -p PORT -s SECRET -t SECONDS`: one EAP conversation as an 802.1X NAS would relay it. */
export const eapolTest = (config: string, port: number, secret: string, seconds = 5): Promise<ToolRun> =>
  run('eapol_test', ['-c', config, '-a', '127.0.0.1', '-p', String(port), '-s', secret, '-t', String(seconds)])

/** Another node on the database of `first` (a PostgreSQL URL): its own pool, the same key and clock. */
export async function secondNode(t: { teardown(fn: () => unknown): void }, first: Services, target: string): Promise<Services> {
  const opened = await openDatabase(target, { keyCheck: keyCheck(first.keys), nodeName: 'node-b' })
  t.teardown(() => opened.store.close())
  return { db: opened.db, store: opened.store, keys: first.keys, log: pino({ level: 'silent' }), now: first.now, node: 'node-b' }
}
