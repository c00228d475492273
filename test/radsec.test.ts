// RadSec, RADIUS over TLS (RFC 6614): radclient through Debian's radsecproxy to the listener,
// decided as over UDP; raw TLS connections for what a proxy would never send; `serve --radsec`.
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import t from 'tap'
import { checkRadsecFiles } from '../src/cli/tls.js'
import { ConfigError, loadConfig } from '../src/config.js'
import { addNas } from '../src/domain/nas-clients.js'
import type { Services } from '../src/domain/services.js'
import { AcctStatusType, Attr, Code, decodePacket, encodeRequest, type Packet, verifyReply } from '../src/radius/index.js'
import { radsecSecret, startRadsec } from '../src/radius/radsec.js'
import { mustRun, runCli } from './e2e/helpers/cli.js'
import { databaseIn, tempDir } from './e2e/helpers/paths.js'
import { startServer } from './e2e/helpers/server.js'
import { build, type Built } from './helpers/build.js'
import { readyUser } from './helpers/login.js'
import { lines, requireRadius, runRadclient } from './helpers/radius.js'
import { connectRadsec, makePki, opensslSkip, type Pki, type Proxy, radsecproxySkip, radsecToolsAvailable, startRadsecproxy } from './helpers/radsec.js'

const nasSecret = 'nas-shared-secret-0123'

interface Tap {
  teardown(fn: () => unknown): void
}

async function radsecServer(t: Tap, built: Built, pki: Pki, networks = ['127.0.0.1/32']) {
  await addNas(built.services, { name: 'vpn', networks, secret: nasSecret })
  const [cert, key, ca] = await Promise.all([readFile(pki.serverCert), readFile(pki.serverKey), readFile(pki.ca)])
  const server = await startRadsec(built.services, { host: '127.0.0.1', port: 0, cert, key, ca, rejectDelayMs: 0 })
  t.teardown(() => server.close())
  return server
}

const loginRows = async (services: Services) =>
  (await services.db.selectFrom('audit_log').select(['event', 'actor', 'actor_type', 'source']).orderBy('id').execute()).filter((r) => /^login/.test(r.event))

/** An Access-Request as a RadSec client makes it: the fixed secret "radsec". */
const pap = (identifier: number, user: string, otc: string, messageAuthenticator = true) =>
  encodeRequest({
    code: Code.AccessRequest,
    identifier,
    secret: radsecSecret,
    messageAuthenticator,
    attributes: [
      { type: Attr.UserName, value: Buffer.from(user) },
      { type: Attr.UserPassword, value: Buffer.from(otc) },
    ],
  })

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// one PKI for every test of the file, made when the first needs it
let pkiMade: Promise<Pki> | undefined
const makePkiOnce = () => (pkiMade ??= makePki(t))

/** A fresh database with alice ready to log in, and the RadSec listener for NAS "vpn" at 127.0.0.1. */
async function listening(t: Tap) {
  const built = await build(t)
  const alice = await readyUser(built.app, built.services)
  const pki = await makePkiOnce()
  const server = await radsecServer(t, built, pki)
  return { built, alice, pki, server }
}

/** radclient over UDP to radsecproxy, which speaks RadSec to the listener. */
const viaProxy = (proxy: Proxy, type: 'auth' | 'acct', ...attributes: string[]) =>
  runRadclient(['-t', '3', `127.0.0.1:${proxy.port}`, type, proxy.secret], lines(...attributes))

t.test('a missing radsecproxy, radclient or openssl is a failure when AGENTXML_REQUIRE_RADIUS=1', { skip: !requireRadius && 'AGENTXML_REQUIRE_RADIUS is not set' }, async (t) => {
  t.ok(radsecToolsAvailable, 'radsecproxy (on PATH or in /usr/sbin), radclient and openssl must be there in CI')
})

t.test('radclient through radsecproxy: a fresh code is accepted, the same code again rejected, accounting answered, on one connection', { skip: radsecproxySkip }, async (t) => {
  const { built, alice, pki, server } = await listening(t)
  const proxy = await startRadsecproxy(t, pki, { serverPort: server.address.port, cert: pki.nasCert, key: pki.nasKey })
  const radclient = (type: 'auth' | 'acct', ...attributes: string[]) => viaProxy(proxy, type, ...attributes)

  const first = await radclient('auth', 'User-Name = "alice"', `User-Password = "${alice.otc(1)}"`)
  t.match(first.out, /Received Access-Accept/, 'Access-Accept')
  // radsecproxy makes a Message-Authenticator again with "radsec" when the NAS sent one, and sends none when it did not
  const again = await radclient('auth', 'User-Name = "alice"', `User-Password = "${alice.otc(1)}"`, 'Message-Authenticator = 0x00')
  t.match(again.out, /Received Access-Reject/, 'the same code again: Access-Reject')
  t.match(again.out, /Reply-Message = "Access denied"/)
  const accounting = await radclient('acct', 'User-Name = "alice"', 'Acct-Status-Type = Start', 'Acct-Session-Id = "s1"')
  t.match(accounting.out, /Received Accounting-Response/, 'Accounting-Request on the same port')

  t.same(
    (await loginRows(built.services)).map((r) => [r.event, r.actor, r.actor_type, r.source]),
    [
      ['loginOk', 'vpn', 'nas', '127.0.0.1'],
      ['loginFailed', 'vpn', 'nas', '127.0.0.1'],
    ],
    'the NAS named by the network of the connection',
  )
  const connections = built.logs.filter((r) => r.msg.startsWith('RadSec: connection from'))
  t.equal(connections.length, 1, 'authentication and accounting on one connection')
  t.match(connections[0]?.msg, /^RadSec: connection from 127\.0\.0\.1:\d+ \(NAS vpn\), certificate "CN=vpn-gw-1" issued by "CN=NAS CA"$/)
  t.match(connections[0]?.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/, 'the certificate fingerprint in the record')
  t.ok(built.logs.some((r) => /^RADIUS: \d+ Access-Accept\(2\) LEN=\d+ 127\.0\.0\.1:\d+ Access-Request by alice succeeded$/.test(r.msg)), 'the RADIUS line as over UDP')
  t.ok(built.logs.some((r) => r.msg === 'RADIUS: Accounting-Request (Start) for user alice from NAS vpn'))
  t.notMatch(built.lines.join(''), new RegExp(`${alice.otc(1)}|${nasSecret}`), 'no code or secret in the log')
  // StatusServer auto: radsecproxy asked once whether the server answers it
  t.match(proxy.output(), /got status server response from 127\.0\.0\.1/, "radsecproxy's Status-Server answered")
})

t.test('radsecproxy with a client certificate from another CA: the handshake is refused, no request reaches the login', { skip: radsecproxySkip }, async (t) => {
  const { built, alice, pki, server } = await listening(t)
  const proxy = await startRadsecproxy(t, pki, { serverPort: server.address.port, cert: pki.strangerCert, key: pki.strangerKey })
  const sent = await viaProxy(proxy, 'auth', 'User-Name = "alice"', `User-Password = "${alice.otc(1)}"`)
  t.notMatch(sent.out, /Access-Accept/, 'no Access-Accept')
  t.equal(
    built.logs.find((r) => /^RadSec: connection from/.test(r.msg))?.msg,
    'RadSec: connection from 127.0.0.1 refused: certificate "CN=stranger" issued by "CN=Other CA" (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
    'one line saying whose certificate and why',
  )
  t.same(await loginRows(built.services), [], 'no login was run')
})

t.test('one connection: packets back to back and in pieces, accounting and Status-Server, the fixed secret, Message-Authenticator checked but not required', { skip: opensslSkip }, async (t) => {
  const { alice, pki, server } = await listening(t)
  const nas = await connectRadsec(server.address.port, { ca: pki.ca, cert: pki.nasCert, key: pki.nasKey })
  t.teardown(() => nas.socket.destroy())

  const start = Buffer.alloc(4)
  start.writeUInt32BE(AcctStatusType.Start)
  const requests = [
    pap(1, 'alice', alice.otc(1), false),
    pap(2, 'alice', alice.otc(2)),
    encodeRequest({ code: Code.AccountingRequest, identifier: 3, secret: radsecSecret, attributes: [{ type: Attr.UserName, value: Buffer.from('alice') }, { type: Attr.AcctStatusType, value: start }] }),
    encodeRequest({ code: Code.StatusServer, identifier: 4, secret: radsecSecret }),
  ]
  nas.socket.write(Buffer.concat(requests.slice(0, 2)))
  const rest = Buffer.concat(requests.slice(2))
  nas.socket.write(rest.subarray(0, 3))
  await wait(50)
  nas.socket.write(rest.subarray(3, 30))
  await wait(50)
  nas.socket.write(rest.subarray(30))
  const replies = [...(await nas.replied(4))].sort((a, b) => a.identifier - b.identifier)
  t.same(replies.map((r) => [r.identifier, r.code]), [
    [1, Code.AccessAccept],
    [2, Code.AccessAccept],
    [3, Code.AccountingResponse],
    [4, Code.AccessAccept],
  ], 'each answered: no Message-Authenticator is needed over TLS; Status-Server as on the authentication port')
  replies.forEach((reply, i) => t.equal(verifyReply(reply, decodePacket(requests[i] as Buffer) as Packet, radsecSecret), 'valid', `reply ${reply.identifier} made with "radsec"`))
  t.equal(replies[0]?.attributes[0]?.type, Attr.MessageAuthenticator, 'Message-Authenticator first in an Access-Accept, as over UDP')
  t.not(verifyReply(replies[0] as Packet, decodePacket(requests[0] as Buffer) as Packet, nasSecret), 'valid', "not with the NAS's own secret")
  t.notOk(nas.socket.destroyed, 'the connection stays open')
})

t.test('a packet that breaks the protocol closes the connection; one the server merely does not answer does not', { skip: opensslSkip }, async (t) => {
  const { built, alice, pki, server } = await listening(t)
  const open = () => connectRadsec(server.address.port, { ca: pki.ca, cert: pki.nasCert, key: pki.nasKey })

  const forged = pap(1, 'alice', alice.otc(1))
  // the first attribute is the Message-Authenticator: its value starts at octet 22
  forged[22]! ^= 1
  const short = Buffer.from([Code.AccessRequest, 1, 0, 5, 0, 0, 0, 0])
  const long = Buffer.from([Code.AccessRequest, 1, 0x13, 0x88])
  const withNasSecret = encodeRequest({ code: Code.AccessRequest, identifier: 1, secret: nasSecret, attributes: [{ type: Attr.UserName, value: Buffer.from('alice') }] })
  for (const [name, bytes] of [
    ['a wrong Message-Authenticator', forged],
    ["a packet made with the NAS's own secret", withNasSecret],
    ['a Length of 5', short],
    ['a Length of 5000', long],
  ] as const) {
    const connection = await open()
    connection.socket.write(bytes)
    await Promise.race([connection.closed, wait(3000)])
    t.ok(connection.socket.destroyed, `${name}: closed`)
    t.same(connection.replies, [], `${name}: no reply`)
  }
  const drops = built.logs.filter((r) => /^RADIUS: packet from 127\.0\.0\.1 dropped/.test(r.msg)).map((r) => r.msg)
  t.ok(drops.includes('RADIUS: packet from 127.0.0.1 dropped: wrong Message-Authenticator'))
  t.ok(drops.includes('RADIUS: packet from 127.0.0.1 dropped: malformed: Length 5 is outside 20 to 4096'))
  t.notOk(drops.some((line) => line.includes('Length 5000')), 'the second malformed packet of a minute: counted, not logged')

  const kept = await open()
  t.teardown(() => kept.socket.destroy())
  // Disconnect-Request is a server's to send, not a NAS's
  kept.socket.write(Buffer.concat([encodeRequest({ code: Code.AccessRequest, identifier: 9, secret: radsecSecret }).fill(40, 0, 1), pap(10, 'alice', alice.otc(1))]))
  const replies = await kept.replied(1)
  t.same(replies.map((r) => [r.identifier, r.code]), [[10, Code.AccessAccept]], 'an unexpected code is dropped, the next packet answered')
  t.notOk(kept.socket.destroyed, 'and the connection kept')
})

t.test('refused at the connection: no client certificate, one from another CA, an address no NAS covers', { skip: opensslSkip }, async (t) => {
  const built = await build(t)
  const pki = await makePkiOnce()
  const server = await radsecServer(t, built, pki, ['10.0.0.0/8'])
  const tries = [{ ca: pki.ca }, { ca: pki.ca, cert: pki.strangerCert, key: pki.strangerKey }, { ca: pki.ca, cert: pki.nasCert, key: pki.nasKey }]
  for (const files of tries) {
    const connection = await connectRadsec(server.address.port, files)
    connection.socket.write(pap(1, 'alice', '123456'))
    await Promise.race([connection.closed, wait(3000)])
    t.ok(connection.socket.destroyed, 'closed')
    t.same(connection.replies, [])
  }
  t.same(
    built.logs.filter((r) => /^RadSec: connection from/.test(r.msg)).map((r) => r.msg),
    [
      'RadSec: connection from 127.0.0.1 refused: no client certificate',
      'RadSec: connection from 127.0.0.1 refused: certificate "CN=stranger" issued by "CN=Other CA" (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
      'RadSec: connection from 127.0.0.1 refused: no NAS covers its address',
    ],
  )
  t.same(await loginRows(built.services), [])
})

/** A TCP port free a moment ago: --radsec takes no port 0. */
async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

/** What `serve` would refuse to start with, as its configuration is read and its files checked. */
function refusal(flags: Record<string, string>): Error | undefined {
  try {
    checkRadsecFiles(loadConfig({ db: ':memory:', ...flags }, {}).radsec)
    return undefined
  } catch (err) {
    return err as Error
  }
}

t.test('--radsec without its CA, a certificate, or a CA file that is one: refused before anything starts', { skip: opensslSkip }, async (t) => {
  const pki = await makePkiOnce()
  const refusals: [Record<string, string>, string][] = [
    [{ radsec: '2083' }, '--radsec needs the server certificate: --radsec-cert and --radsec-key, or --tls-cert and --tls-key'],
    [{ radsec: '2083', 'tls-cert': pki.serverCert, 'tls-key': pki.serverKey }, "--radsec needs --radsec-ca, the CA certificate that signed the NASes' client certificates"],
    [{ 'radsec-ca': pki.ca }, '--radsec-cert, --radsec-key and --radsec-ca need --radsec'],
    [{ radsec: '2083', 'radsec-cert': pki.serverCert }, '--radsec-cert and --radsec-key go together'],
    [{ radsec: '0' }, '--radsec must be a port (2083) or an address and port ([::]:2083, 10.0.0.5:2083), the port from 1 to 65535, not "0"'],
    [{ radsec: '2083', 'radsec-cert': pki.serverCert, 'radsec-key': pki.nasKey, 'radsec-ca': pki.ca }, `--radsec-key ${pki.nasKey} is not the key of the certificate ${pki.serverCert}`],
    [{ radsec: '2083', 'radsec-cert': pki.serverCert, 'radsec-key': pki.serverKey, 'radsec-ca': pki.serverCert }, `--radsec-ca ${pki.serverCert}: "CN=agentxml" is not a CA certificate`],
    [{ radsec: '2083', 'radsec-cert': pki.serverCert, 'radsec-key': pki.serverKey, 'radsec-ca': pki.serverKey }, `--radsec-ca ${pki.serverKey} holds no PEM certificate`],
  ]
  for (const [flags, says] of refusals) {
    const refused = refusal(flags)
    t.ok(refused instanceof ConfigError, Object.keys(flags).join(' '))
    // the key's line goes on with OpenSSL's reason
    t.equal(refused?.message.slice(0, says.length), says)
  }
  const config = loadConfig({ db: ':memory:', radsec: '[::1]:2083', 'tls-cert': pki.serverCert, 'tls-key': pki.serverKey }, { AGENTXML_RADSEC_CA: pki.ca })
  t.same(config.radsec, { host: '::1', port: 2083, certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.ca }, "HTTPS's certificate when RadSec has none of its own; the CA from the environment")
  t.equal(loadConfig({ db: ':memory:' }, { AGENTXML_RADSEC: 'off', AGENTXML_RADSEC_CA: pki.ca }).radsec, undefined, 'AGENTXML_RADSEC=off, its files still set: off')

  const dir = await tempDir(t)
  const result = await runCli(['serve', '--port', '0', '--radsec', '2083', '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey], { db: `${dir}/agentxml.db` })
  t.same([result.status, result.stderr], [1, "agentxml: --radsec needs --radsec-ca, the CA certificate that signed the NASes' client certificates\n"], 'the command says it in one line')
})

t.test('serve --radsec, with --tls-cert as its certificate: it says where it listens and answers', { skip: opensslSkip }, async (t) => {
  const pki = await makePkiOnce()
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)

  await mustRun(['nas', 'add', 'vpn', '--network', '127.0.0.1'], { db, env: { AGENTXML_NAS_SECRET: nasSecret } })
  const port = await freePort()
  const server = await startServer(t, { db, args: ['--radsec', `127.0.0.1:${port}`, '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey, '--radsec-ca', pki.ca] })
  t.ok(server.records().some((r) => r.msg === `RadSec on 127.0.0.1:${port} (RADIUS over TLS)`), 'it says where RadSec listens')
  const nas = await connectRadsec(port, { ca: pki.ca, cert: pki.nasCert, key: pki.nasKey })
  t.teardown(() => nas.socket.destroy())
  nas.socket.write(encodeRequest({ code: Code.StatusServer, identifier: 0, secret: radsecSecret }))
  t.same((await nas.replied(1)).map((r) => r.code), [Code.AccessAccept], 'Status-Server answered')
  nas.socket.destroy()
  t.same(await server.stop(), { code: 0, signal: null }, 'and it stops cleanly')
})
