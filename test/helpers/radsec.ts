import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type TLSSocket } from 'node:tls'
import { promisify } from 'node:util'
import { decodePacket, type Packet } from '../../src/radius/index.js'
import { packetStream } from '../../src/radius/stream.js'
import { radiusToolsAvailable, requireRadius } from './radius.js'

// Debian's radsecproxy (UDP in, RADIUS over TLS out) is the independent RadSec client, with
// radclient behind it; openssl makes the certificates. CI installs both (.ci/run) and sets
// AGENTXML_REQUIRE_RADIUS=1, so that missing tools fail rather than skip.
const runFile = promisify(execFile)
const found = (command: string, ...args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).error === undefined
const openssl = found('openssl', 'version')
const radsecproxy = found('radsecproxy', '-v') ? 'radsecproxy' : existsSync('/usr/sbin/radsecproxy') ? '/usr/sbin/radsecproxy' : undefined

/** Whether every tool the RadSec tests use is here (CI requires it: AGENTXML_REQUIRE_RADIUS=1). */
export const radsecToolsAvailable = openssl && radsecproxy !== undefined && radiusToolsAvailable

/** `skip` for tests that need only certificates. */
export const opensslSkip: string | false = openssl || requireRadius ? false : 'openssl is missing (AGENTXML_REQUIRE_RADIUS=1 makes this a failure)'

/** `skip` for tests that go through radsecproxy. */
export const radsecproxySkip: string | false =
  radsecToolsAvailable || requireRadius
    ? false
    : 'radsecproxy, radclient or openssl is missing: apt-get install radsecproxy freeradius-utils openssl (AGENTXML_REQUIRE_RADIUS=1 makes this a failure)'

interface Tap {
  teardown(fn: () => unknown): void
}

/** PEM files: the NASes' CA, the server's certificate (signed by it), a NAS's, and a stranger's from another CA. */
export interface Pki {
  readonly dir: string
  readonly ca: string
  readonly serverCert: string
  readonly serverKey: string
  readonly nasCert: string
  readonly nasKey: string
  readonly otherCa: string
  readonly strangerCert: string
  readonly strangerKey: string
}

/** A fresh PKI in a temp folder, removed when the test ends (P-256 keys: made in milliseconds). */
export async function makePki(t: Tap): Promise<Pki> {
  const dir = await mkdtemp(join(tmpdir(), 'agentxml-radsec-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = (name: string) => join(dir, name)
  const req = (out: string, key: string, subject: string, extra: string[]) =>
    runFile('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', subject, '-keyout', file(key), '-out', file(out), ...extra])
  const signed = (ca: string, usage: string, ...extensions: string[]) => [
    '-CA', file(`${ca}.pem`), '-CAkey', file(`${ca}.key`),
    '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', `extendedKeyUsage=${usage}`,
    ...extensions.flatMap((extension) => ['-addext', extension]),
  ]
  await Promise.all([req('ca.pem', 'ca.key', '/CN=NAS CA', []), req('other-ca.pem', 'other-ca.key', '/CN=Other CA', [])])
  await Promise.all([
    // radsecproxy checks the server's name against the address it connects to
    req('server.pem', 'server.key', '/CN=agentxml', signed('ca', 'serverAuth', 'subjectAltName=IP:127.0.0.1,DNS:localhost')),
    req('nas.pem', 'nas.key', '/CN=vpn-gw-1', signed('ca', 'clientAuth')),
    req('stranger.pem', 'stranger.key', '/CN=stranger', signed('other-ca', 'clientAuth')),
  ])
  return {
    dir,
    ca: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    nasCert: file('nas.pem'),
    nasKey: file('nas.key'),
    otherCa: file('other-ca.pem'),
    strangerCert: file('stranger.pem'),
    strangerKey: file('stranger.key'),
  }
}

/** A UDP port free a moment ago (radsecproxy takes no port 0 it would tell us of). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}

export interface Proxy {
  /** Where radclient sends, over UDP, with `secret`. */
  readonly port: number
  readonly secret: string
  /** What radsecproxy has logged so far. */
  output(): string
}

/**
 * radsecproxy in the foreground: a UDP client 127.0.0.1 with its own secret, every realm's
 * requests and accounting sent over TLS to 127.0.0.1:`serverPort` with `cert` and `key`,
 * checking the server's certificate against the PKI's CA (and its name against 127.0.0.1), and
 * asking with Status-Server whether the server answers it (`StatusServer auto`).
 */
export async function startRadsecproxy(t: Tap, pki: Pki, options: { serverPort: number; cert: string; key: string }): Promise<Proxy> {
  const port = await freeUdpPort()
  const secret = 'proxy-udp-secret-0123'
  const config = join(pki.dir, `radsecproxy-${port}.conf`)
  await writeFile(
    config,
    [
      `ListenUDP 127.0.0.1:${port}`,
      'tls agentxml {',
      `  CACertificateFile ${pki.ca}`,
      `  CertificateFile ${options.cert}`,
      `  CertificateKeyFile ${options.key}`,
      '}',
      'client 127.0.0.1 {',
      '  type udp',
      `  secret ${secret}`,
      '}',
      // the name is the address its certificate must hold; the secret is RFC 6614's fixed "radsec"
      'server 127.0.0.1 {',
      '  type tls',
      `  port ${options.serverPort}`,
      '  tls agentxml',
      '  StatusServer auto',
      '}',
      'realm * {',
      '  server 127.0.0.1',
      '  accountingServer 127.0.0.1',
      '}',
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn(radsecproxy ?? 'radsecproxy', ['-f', '-d', '4', '-c', config], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  let failed: Error | undefined
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    // not started at all (ENOENT): no exit to wait for
    child.once('error', (err) => resolve(void (failed = err)))
  })
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  })
  // a request sent before it listens would be lost
  for (let waited = 0; !output.includes(`listening for udp on 127.0.0.1:${port}`); waited += 25) {
    if (failed || child.exitCode !== null || waited > 10_000) throw new Error(`radsecproxy did not start: ${failed?.message ?? output}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return { port, secret, output: () => output }
}

export interface RawConnection {
  readonly socket: TLSSocket
  /** Every reply so far, decoded. */
  readonly replies: Packet[]
  /** Resolves when the server has closed the connection. */
  readonly closed: Promise<void>
  /** The replies once `count` have come, the connection has closed, or `timeoutMs` has passed. */
  replied(count: number, timeoutMs?: number): Promise<Packet[]>
}

/** A RadSec connection of our own, for what radsecproxy would never send. */
export async function connectRadsec(port: number, tls: { ca: string; cert?: string; key?: string }): Promise<RawConnection> {
  const read = (path: string | undefined) => (path === undefined ? undefined : readFile(path))
  const [ca, cert, key] = await Promise.all([read(tls.ca), read(tls.cert), read(tls.key)])
  const socket = connect({ host: '127.0.0.1', port, ca, cert, key, servername: 'localhost' })
  const replies: Packet[] = []
  const waiters = new Set<() => void>()
  socket.on(
    'data',
    packetStream(
      (raw) => {
        const packet = decodePacket(Buffer.from(raw))
        if (!('problem' in packet)) replies.push(packet)
        waiters.forEach((check) => check())
      },
      () => socket.destroy(),
    ),
  )
  socket.on('error', () => undefined)
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  void closed.then(() => waiters.forEach((check) => check()))
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve)
    socket.once('close', () => reject(new Error('the connection closed before its handshake')))
  })
  const replied = (count: number, timeoutMs = 3000) =>
    new Promise<Packet[]>((resolve) => {
      const done = () => {
        waiters.delete(check)
        clearTimeout(timer)
        resolve(replies)
      }
      const check = () => {
        if (replies.length >= count || socket.destroyed) done()
      }
      const timer = setTimeout(done, timeoutMs)
      waiters.add(check)
      check()
    })
  return { socket, replies, closed, replied }
}
