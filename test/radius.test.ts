// The RADIUS front end against FreeRADIUS's own clients (radtest, radclient) and raw datagrams:
// the same login decision as AgentXML `login`, and a server hardened as a RADIUS server must be.
import t from 'tap'
import { addNas } from '../src/domain/nas-clients.js'
import { setPolicy } from '../src/domain/policy.js'
import type { Services } from '../src/domain/services.js'
import { Attr, Code, decodePacket, encodeRequest, type Packet, verifyReply } from '../src/radius/index.js'
import { startRadius } from '../src/radius/server.js'
import { build, type Built } from './helpers/build.js'
import { login, readyUser } from './helpers/login.js'
import { ask, exchange, lines, radiusSkip, radtest, runRadclient, secondNode } from './helpers/radius.js'
import { testEngine } from './helpers/database.js'
import { seedAgent } from './helpers/seed.js'

const secret = 'nas-shared-secret-0123'

async function radiusServer(t: { teardown(fn: () => unknown): void }, built: Built, nas: { networks?: string[]; messageAuthenticator?: string } = {}) {
  await addNas(built.services, { name: 'vpn', networks: nas.networks ?? ['127.0.0.1/32'], secret, messageAuthenticator: nas.messageAuthenticator })
  const server = await startRadius(built.services, { host: '127.0.0.1', port: 0, rejectDelayMs: 0 })
  t.teardown(() => server.close())
  return server
}

async function auditRows(services: Services) {
  return services.db.selectFrom('audit_log').select(['event', 'message', 'user_name', 'actor', 'actor_type', 'source']).orderBy('id').execute()
}

const pap = (user: string, otc: string, options: { identifier?: number; messageAuthenticator?: boolean; extra?: { type: number; value: Buffer }[] } = {}) =>
  encodeRequest({
    code: Code.AccessRequest,
    identifier: options.identifier ?? 7,
    secret,
    messageAuthenticator: options.messageAuthenticator ?? true,
    attributes: [{ type: Attr.UserName, value: Buffer.from(user) }, { type: Attr.UserPassword, value: Buffer.from(otc) }, ...(options.extra ?? [])],
  })

t.test('radtest PAP: a fresh code is accepted, the same code again rejected, the legacy comma form too', { skip: radiusSkip }, async (t) => {
  const built = await build(t)
  await seedAgent(built.services)
  const alice = await readyUser(built.app, built.services)
  const { auth } = await radiusServer(t, built)
  const first = await radtest('pap', 'alice', alice.otc(1), auth.port, secret)
  t.match(first.out, /Received Access-Accept/, 'Access-Accept')
  t.equal(first.code, 0)
  const again = await radtest('pap', 'alice', alice.otc(1), auth.port, secret)
  t.match(again.out, /Received Access-Reject/, 'the same code again: Access-Reject')
  t.match(again.out, /Reply-Message = "Access denied"/, 'a generic Reply-Message, no reason')
  t.match((await radtest('pap', 'alice', alice.otc(2, 'legacy'), auth.port, secret)).out, /Received Access-Accept/, 'OTC,NN')
  t.match((await login(built.app, 'alice', alice.otc(2))).result, 'FAIL', 'a code used over RADIUS is burnt for AgentXML too')

  const rows = (await auditRows(built.services)).filter((r) => /^login/.test(r.event))
  t.same(
    rows.map((r) => [r.event, r.actor, r.actor_type, r.source]),
    [
      ['loginOk', 'vpn', 'nas', '127.0.0.1'],
      ['loginFailed', 'vpn', 'nas', '127.0.0.1'],
      ['loginOk', 'vpn', 'nas', '127.0.0.1'],
      ['loginFailed', 'test-agent', 'agent', '127.0.0.1'],
    ],
    'one audit row a login, naming the NAS',
  )
  t.equal(rows[0]?.message, 'From the IP Address: 127.0.0.1 NAS ID: vpn - Login successful for user: alice.')
  t.equal(rows[1]?.message, 'From the IP Address: 127.0.0.1 NAS ID: vpn - Login failed for user: alice, error: Invalid OTC')
  const radiusLines = built.logs.filter((r) => r.msg.startsWith('RADIUS: ')).map((r) => r.msg.replace(/LEN=\d+ 127\.0\.0\.1:\d+/, 'LEN=n 127.0.0.1:p'))
  t.match(radiusLines[0], /^RADIUS: \d+ Access-Accept\(2\) LEN=n 127\.0\.0\.1:p Access-Request by alice succeeded$/)
  t.match(radiusLines[1], /^RADIUS: \d+ Access-Reject\(3\) LEN=n 127\.0\.0\.1:p Access-Request by alice Failed: AccessRejectException: AGENT_ERROR_INVALID_OTC$/)
  t.notMatch(built.lines.join(''), new RegExp(`${alice.otc(1)}|${alice.otc(2)}|${secret}`), 'no code or secret in the log')
})

t.test('a wrong code over RADIUS counts towards the same lockout as AgentXML login', { skip: radiusSkip }, async (t) => {
  const built = await build(t)
  await seedAgent(built.services)
  const alice = await readyUser(built.app, built.services)
  await setPolicy(built.services.db, 'max-login-tries', '3')
  const { auth } = await radiusServer(t, built)
  const wrong = (index: number) => `${(Number(alice.otc(index)[0]) + 1) % 10}${alice.otc(index).slice(1)}`
  t.match((await radtest('pap', 'alice', wrong(1), auth.port, secret)).out, /Access-Reject/)
  t.match((await radtest('pap', 'alice', wrong(2), auth.port, secret)).out, /Access-Reject/)
  t.same((await login(built.app, 'alice', wrong(3))).error, 'AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED', 'the third failure, by AgentXML, locks')
  t.match((await radtest('pap', 'alice', alice.otc(4), auth.port, secret)).out, /Access-Reject/, 'a right code over RADIUS: locked')
  t.equal((await login(built.app, 'alice', alice.otc(5))).error, 'AGENT_ERROR_USER_LOCKED')
  t.match(built.logs.find((r) => /AccessRejectException: AGENT_ERROR_USER_LOCKED/.test(r.msg))?.msg, /by alice Failed/)
})

t.test('Message-Authenticator: required by default, checked, first in every reply; Proxy-State copied in order', { skip: radiusSkip }, async (t) => {
  const built = await build(t)
  const alice = await readyUser(built.app, built.services)
  const { auth } = await radiusServer(t, built)
  const without = await runRadclient(['-t', '1', `127.0.0.1:${auth.port}`, 'auth', secret], lines('User-Name = "alice"', `User-Password = "${alice.otc(1)}"`))
  t.notMatch(without.out, /Received/, 'no Message-Authenticator: no reply')
  t.equal((await auditRows(built.services)).filter((r) => /^login/.test(r.event)).length, 0, 'and no login was run')

  const request = pap('alice', alice.otc(1), { extra: [{ type: Attr.ProxyState, value: Buffer.from('one') }, { type: Attr.ProxyState, value: Buffer.from('two') }] })
  const [reply, ...more] = await exchange(auth.port, [request])
  t.same(more, [])
  const sent = decodePacket(request) as Packet
  t.equal(reply && verifyReply(reply, sent, secret), 'valid', 'the reply verifies, Message-Authenticator included')
  t.equal(reply?.code, Code.AccessAccept)
  t.same(reply?.attributes.map((a) => a.type), [Attr.MessageAuthenticator, Attr.ProxyState, Attr.ProxyState], 'Message-Authenticator first')
  t.same(reply?.attributes.slice(1).map((a) => a.value.toString()), ['one', 'two'])

  const forged = pap('alice', alice.otc(2))
  forged[forged.length - 20 + 2]! ^= 1
  t.same(await exchange(auth.port, [forged]), [], 'a wrong Message-Authenticator: no reply')
  const proxied = pap('alice', alice.otc(2), { messageAuthenticator: false, extra: [{ type: Attr.ProxyState, value: Buffer.from('x') }] })
  t.same(await exchange(auth.port, [proxied]), [], 'Proxy-State without Message-Authenticator: no reply')
})

t.test('a NAS with --message-authenticator off or auto: PAP without it is answered, and auto learns', { skip: radiusSkip }, async (t) => {
  const built = await build(t)
  const alice = await readyUser(built.app, built.services)
  const { auth } = await radiusServer(t, built, { messageAuthenticator: 'auto' })
  const [first] = await exchange(auth.port, [pap('alice', alice.otc(1), { messageAuthenticator: false })])
  t.equal(first?.code, Code.AccessAccept, 'auto, none seen yet: answered')
  t.equal((await exchange(auth.port, [pap('alice', alice.otc(2))]))[0]?.code, Code.AccessAccept, 'then one with it')
  const learnt = await built.services.db.selectFrom('nas_clients').select('seen_message_authenticator').executeTakeFirst()
  t.equal(learnt?.seen_message_authenticator, 1, 'auto noted it')
  // the settings snapshot of the listener is at most a second old
  await new Promise((resolve) => setTimeout(resolve, 1100))
  t.same(await exchange(auth.port, [pap('alice', alice.otc(3), { messageAuthenticator: false })]), [], 'from then on it is required')
})

t.test('a retransmission gets the first reply again and runs no second login; 100 duplicates in flight run one', { skip: radiusSkip }, async (t) => {
  const built = await build(t)
  const alice = await readyUser(built.app, built.services)
  const { auth } = await radiusServer(t, built)
  const request = pap('alice', alice.otc(1))
  // the same datagram from the same port after the reply: what a NAS that missed the reply sends
  const [first, second, ...rest] = await exchange(auth.port, [request, request], 500, 300)
  t.same(rest, [])
  t.equal(first?.code, Code.AccessAccept)
  t.same(second?.raw, first?.raw, 'byte for byte the first reply: an Accept stays an Accept')

  const burst = pap('alice', alice.otc(2), { identifier: 9 })
  const replies = await exchange(auth.port, Array.from({ length: 100 }, () => burst), 1000)
  t.ok(replies.length >= 1, 'answered')
  t.ok(replies.every((r) => r.code === Code.AccessAccept && r.raw.equals(replies[0]?.raw ?? Buffer.alloc(0))), 'every reply is the one Accept')
  const logins = (await auditRows(built.services)).filter((r) => /^login/.test(r.event))
  t.equal(logins.length, 2, 'two logins in all: one for each request, none for the copies')
})

t.test('dropped without a reply: an unknown address, a wrong secret, malformed and oversized packets; the server keeps serving', { skip: radiusSkip }, async (t) => {
  const built = await build(t)
  const alice = await readyUser(built.app, built.services)
  const { auth } = await radiusServer(t, built)
  const withSecret = (other: string) =>
    runRadclient(['-t', '1', `127.0.0.1:${auth.port}`, 'auth', other], lines('User-Name = "alice"', `User-Password = "${alice.otc(1)}"`, 'Message-Authenticator = 0x00'))
  t.notMatch((await withSecret('another-secret-0123456')).out, /Received/, 'a wrong secret')

  const good = pap('alice', alice.otc(1))
  const truncated = good.subarray(0, 30)
  const lying = Buffer.from(good)
  lying.writeUInt16BE(good.length + 40, 2)
  const badAttribute = Buffer.from(good)
  badAttribute[21] = 250
  const oversized = Buffer.concat([good, Buffer.alloc(4200)])
  const many = Buffer.concat([good.subarray(0, 20), Buffer.alloc(5000 * 3)])
  for (let at = 20; at < many.length; at += 3) many.set([Attr.NasPort, 3, 1], at)
  many.writeUInt16BE(Math.min(many.length, 4096), 2)
  t.same(await exchange(auth.port, [truncated, lying, badAttribute, oversized, many, Buffer.alloc(0), Buffer.alloc(3)]), [], 'no reply to any')
  t.equal((await exchange(auth.port, [good]))[0]?.code, Code.AccessAccept, 'and the next good request is answered')
  const drops = built.logs.filter((r) => /^RADIUS: packet from/.test(r.msg))
  t.ok(drops.length >= 2, 'dropped packets are logged')
  t.ok(drops.every((r) => r.msg.length < 200), 'in one short line each, never the packet')
})

t.test('an address no NAS covers gets no reply', { skip: radiusSkip }, async (t) => {
  const built = await build(t)
  const alice = await readyUser(built.app, built.services)
  const { auth } = await radiusServer(t, built, { networks: ['10.0.0.0/8'] })
  const sent = await runRadclient(['-t', '1', `127.0.0.1:${auth.port}`, 'auth', secret], lines('User-Name = "alice"', `User-Password = "${alice.otc(1)}"`, 'Message-Authenticator = 0x00'))
  t.notMatch(sent.out, /Received/)
  t.match(built.logs.find((r) => /dropped: unknown client/.test(r.msg))?.msg, /^RADIUS: packet from 127\.0\.0\.1 dropped: unknown client$/)
})

t.test('accounting is acknowledged and logged; Status-Server is answered on both ports', { skip: radiusSkip }, async (t) => {
  const built = await build(t)
  const server = await radiusServer(t, built)
  const accounting = await runRadclient(
    [`127.0.0.1:${server.accounting.port}`, 'acct', secret],
    lines('User-Name = "alice"', 'Acct-Status-Type = Start', 'Acct-Session-Id = "s1"'),
  )
  t.match(accounting.out, /Received Accounting-Response/)
  t.ok(built.logs.some((r) => r.msg === 'RADIUS: Accounting-Request (Start) for user alice from NAS vpn'))
  const status = await runRadclient([`127.0.0.1:${server.auth.port}`, 'status', secret], lines('Message-Authenticator = 0x00'))
  t.match(status.out, /Received Access-Accept/, 'Status-Server on the authentication port')
  const acctStatus = await runRadclient([`127.0.0.1:${server.accounting.port}`, 'status', secret], lines('Message-Authenticator = 0x00'))
  t.match(acctStatus.out, /Received Accounting-Response/, 'and on the accounting port')
})

t.test('a retransmission that reaches another node gets the first node\'s reply, and runs no second login', { skip: radiusSkip || (testEngine === 'sqlite' && 'SQLite has one server per file: two nodes share a PostgreSQL database') }, async (t) => {
  const built = await build(t)
  const alice = await readyUser(built.app, built.services)
  const first = await radiusServer(t, built)
  const second = await startRadius(await secondNode(t, built.services, built.target), { host: '127.0.0.1', port: 0, rejectDelayMs: 0 })
  t.teardown(() => second.close())
  for (const [index, expected] of [[1, Code.AccessAccept], [1, Code.AccessReject]] as const) {
    const request = pap('alice', alice.otc(index), { identifier: 40 + expected })
    const reply = await ask(first.auth.port, request)
    t.equal(reply?.code, expected, `node A: ${expected === Code.AccessAccept ? 'Access-Accept' : 'Access-Reject for the code again'}`)
    const again = await ask(second.auth.port, request)
    t.same(again?.raw, reply?.raw, 'the same datagram at node B: the same reply, byte for byte')
  }
  const logins = (await auditRows(built.services)).filter((r) => /^login/.test(r.event))
  t.same(logins.map((r) => r.event), ['loginOk', 'loginFailed'], 'one login a request, whichever node saw it')
})
