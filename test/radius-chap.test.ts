// CHAP, MS-CHAP v1 and MS-CHAP v2 (issue #24, item 4): the request proves a one-time code
// without carrying it, and the server tries the user's unused strings. The MS-CHAP algorithms
// against the RFCs' own test vectors; the login through FreeRADIUS's radtest (CHAP, MS-CHAP) and
// radclient (MS-CHAP v2, built from RFC 2759's challenges and a real code).
import { createHash } from 'node:crypto'
import t from 'tap'
import { provenIndex } from '../src/domain/login-proof.js'
import { addNas } from '../src/domain/nas-clients.js'
import { setPolicy } from '../src/domain/policy.js'
import type { Services } from '../src/domain/services.js'
import { Attr, Code, encodeRequest, Microsoft, Vendor, vendorAttribute } from '../src/radius/index.js'
import { challengeHash, challengeResponse, msChap } from '../src/radius/mschap.js'
import { startRadius } from '../src/radius/server.js'
import { build, type Built } from './helpers/build.js'
import { userNamed } from './helpers/directory.js'
import { login, readyUser } from './helpers/login.js'
import { exchange, lines, radiusSkip, radtest, runRadclient } from './helpers/radius.js'
import { seedAgent } from './helpers/seed.js'

const secret = 'nas-shared-secret-0123'
const hex = (text: string) => Buffer.from(text, 'hex')

// RFC 2759 §9.2
const authenticatorChallenge = hex('5B5D7C7D7B3F2F3E3C2C602132262628')
const peerChallenge = hex('21402324255E262A28295F2B3A337C7E')

t.test('the MS-CHAP algorithms give the RFCs\' test vectors', async (t) => {
  const ms = await msChap()
  // RFC 2433 Appendix B.2
  const myPw = ms.ntPasswordHash('MyPw')
  t.equal(myPw.toString('hex').toUpperCase(), 'FC156AF7EDCD6C0EDDE3337D427F4EAC', 'RFC 2433: NtPasswordHash')
  t.equal(challengeResponse(hex('102DB5DF085D3041'), myPw).toString('hex').toUpperCase(), '4E9D3C8F9CFD385D5BF4D3246791956CA4C351AB409A3D61', 'RFC 2433: NT Response')
  // RFC 2759 §9.2
  const hash = challengeHash(peerChallenge, authenticatorChallenge, Buffer.from('User'))
  t.equal(hash.toString('hex').toUpperCase(), 'D02E4386BCE91226', 'RFC 2759: ChallengeHash')
  const passwordHash = ms.ntPasswordHash('clientPass')
  t.equal(passwordHash.toString('hex').toUpperCase(), '44EBBA8D5312B8D611474411F56989AE', 'RFC 2759: NtPasswordHash')
  const ntResponse = challengeResponse(hash, passwordHash)
  t.equal(ntResponse.toString('hex').toUpperCase(), '82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF', 'RFC 2759: NT-Response')
  t.equal(ms.authenticatorResponse(passwordHash, ntResponse, hash), 'S=407A5589115FD0D6209F510FE9C04566932CDA56', 'RFC 2759: AuthenticatorResponse')
  // RFC 3079 §3.5.3: its SendStartKey128 is the server's send key (Magic3); the receive key is Magic2's
  const keys = ms.mppeKeys(passwordHash, ntResponse)
  t.equal(keys.send.toString('hex').toUpperCase(), '8B7CDC149B993A1BA118CB153F56DCCB', 'RFC 3079: the server\'s send key')
  t.equal(keys.receive.toString('hex').toUpperCase(), 'D5F0E9521E3EA9589645E86051C82226', 'the server\'s receive key (the peer\'s send key)')
})

t.test('a proof is tried against every string in both forms, used ones too, whichever matches', async (t) => {
  const strings = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0').repeat(5))
  const tried = (target: string | undefined, used: ReadonlySet<number>) => {
    const asked: string[] = []
    const usedAsked: number[] = []
    const verdict = provenIndex(
      strings,
      '2468',
      (index) => {
        usedAsked.push(index)
        return used.has(index)
      },
      (otc) => {
        asked.push(otc)
        return otc === target
      },
    )
    return { verdict, asked: asked.length, usedAsked: usedAsked.length }
  }
  // string 5 is 0505050505: PIN 2468 takes positions 2, 4, 6 and 8
  t.same(tried('555505', new Set()), { verdict: { index: 5 }, asked: 198, usedAsked: 99 }, 'a match on an early index: every candidate still tried')
  t.same(tried('5555,05', new Set()).verdict, { index: 5 }, 'the legacy comma form')
  t.same(tried('555505', new Set([5])).verdict, { reason: 'string already used' })
  t.same(tried(undefined, new Set()), { verdict: { reason: 'no unused string matches' }, asked: 198, usedAsked: 99 })
})

async function radiusServer(t: { teardown(fn: () => unknown): void }, built: Built, nas: { checkPassword?: boolean; twoStage?: boolean } = {}) {
  await addNas(built.services, { name: 'vpn', networks: ['127.0.0.1/32'], secret, ...nas })
  const server = await startRadius(built.services, { host: '127.0.0.1', port: 0, rejectDelayMs: 0 })
  t.teardown(() => server.close())
  return server.auth.port
}

const loginRows = async (services: Services) =>
  (await services.db.selectFrom('audit_log').select(['event', 'message', 'actor']).orderBy('id').execute()).filter((r) => /^login/.test(r.event))

/** radclient's input for MS-CHAP v2 with RFC 2759's challenges and `otc` as the password, and the MS-CHAP2-Success the server must answer. */
async function msChap2Request(user: string, otc: string, ident = 0x42) {
  const ms = await msChap()
  const hash = challengeHash(peerChallenge, authenticatorChallenge, Buffer.from(user))
  const passwordHash = ms.ntPasswordHash(otc)
  const ntResponse = challengeResponse(hash, passwordHash)
  const response = Buffer.concat([Buffer.from([ident, 0]), peerChallenge, Buffer.alloc(8), ntResponse])
  const success = Buffer.concat([Buffer.from([ident]), Buffer.from(ms.authenticatorResponse(passwordHash, ntResponse, hash))])
  const input = lines(
    `User-Name = "${user}"`,
    `MS-CHAP-Challenge = 0x${authenticatorChallenge.toString('hex')}`,
    `MS-CHAP2-Response = 0x${response.toString('hex')}`,
    'Message-Authenticator = 0x00',
  )
  return { input, success }
}

const wrongCode = (otc: string) => `${(Number(otc[0]) + 1) % 10}${otc.slice(1)}`

t.test('radtest CHAP: a fresh code is accepted, the same code again rejected, the legacy form too', { skip: radiusSkip }, async (t) => {
  const built = await build(t)
  await seedAgent(built.services)
  const alice = await readyUser(built.app, built.services)
  const port = await radiusServer(t, built)
  t.match((await radtest('chap', 'alice', alice.otc(1), port, secret)).out, /Received Access-Accept/, 'Access-Accept')
  t.match((await radtest('chap', 'alice', alice.otc(1), port, secret)).out, /Received Access-Reject/, 'the same code again: Access-Reject')
  t.match((await radtest('chap', 'alice', alice.otc(2, 'legacy'), port, secret)).out, /Received Access-Accept/, 'OTC,NN')
  t.equal((await login(built.app, 'alice', alice.otc(2))).result, 'FAIL', 'burnt for AgentXML too')
  t.match((await radtest('pap', 'alice', alice.otc(3), port, secret)).out, /Received Access-Accept/)
  t.match((await radtest('chap', 'alice', alice.otc(3), port, secret)).out, /Received Access-Reject/, 'a string used over PAP')
  // what a NAS sends: its own CHAP-Challenge, rather than the Request Authenticator radtest relies on
  const challenge = Buffer.from('0123456789abcdef0123', 'latin1')
  const chapPassword = Buffer.concat([Buffer.from([9]), createHash('md5').update(Buffer.from([9])).update(alice.otc(4)).update(challenge).digest()])
  const withChallenge = encodeRequest({
    code: Code.AccessRequest,
    identifier: 5,
    secret,
    attributes: [
      { type: Attr.UserName, value: Buffer.from('alice') },
      { type: Attr.ChapPassword, value: chapPassword },
      { type: Attr.ChapChallenge, value: challenge },
    ],
  })
  t.equal((await exchange(port, [withChallenge]))[0]?.code, Code.AccessAccept, 'CHAP-Challenge')

  const rows = await loginRows(built.services)
  t.same(
    rows.map((r) => [r.event, r.actor]),
    [
      ['loginOk', 'vpn'],
      ['loginFailed', 'vpn'],
      ['loginOk', 'vpn'],
      ['loginFailed', 'test-agent'],
      ['loginOk', 'vpn'],
      ['loginFailed', 'vpn'],
      ['loginOk', 'vpn'],
    ],
  )
  t.equal(rows[0]?.message, 'From the IP Address: 127.0.0.1 NAS ID: vpn - Login successful for user: alice.', 'the line and row of a PAP login')
  t.equal(rows[1]?.message, 'From the IP Address: 127.0.0.1 NAS ID: vpn - Login failed for user: alice, error: Invalid OTC')
  t.same(
    built.logs.filter((r) => r.event === 'loginFailed' && r.nas === 'vpn').map((r) => r.reason),
    ['string already used', 'string already used'],
    'the reason: a used string',
  )
  t.notMatch(built.lines.join(''), new RegExp(`${alice.otc(1)}|${alice.otc(3)}|${secret}`), 'no code or secret in the log')
})

t.test('radtest MS-CHAP (v1): a fresh code is accepted, the same code again rejected', { skip: radiusSkip }, async (t) => {
  const built = await build(t)
  const alice = await readyUser(built.app, built.services)
  const port = await radiusServer(t, built)
  t.match((await radtest('mschap', 'alice', alice.otc(7), port, secret)).out, /Received Access-Accept/, 'Access-Accept')
  t.match((await radtest('mschap', 'alice', alice.otc(7), port, secret)).out, /Received Access-Reject/, 'the same code again')
  t.match((await radtest('mschap', 'alice', alice.otc(8, 'legacy'), port, secret)).out, /Received Access-Accept/, 'OTC,NN')
  t.same((await loginRows(built.services)).map((r) => r.event), ['loginOk', 'loginFailed', 'loginOk'])
})

t.test('MS-CHAP v2 through radclient: RFC 2759\'s challenges with a real code, answered with MS-CHAP2-Success', { skip: radiusSkip }, async (t) => {
  const built = await build(t)
  const alice = await readyUser(built.app, built.services)
  const port = await radiusServer(t, built)
  const { input, success } = await msChap2Request('alice', alice.otc(11))
  const accepted = await runRadclient([`127.0.0.1:${port}`, 'auth', secret], input)
  t.match(accepted.out, /Received Access-Accept/, 'Access-Accept')
  t.match(accepted.out, new RegExp(`MS-CHAP2-Success = 0x${success.toString('hex')}`, 'i'), 'the ident and the authenticator response')
  t.match(success.toString('latin1'), /^BS=[0-9A-F]{40}$/, 'the ident (0x42) and S= with 40 hex digits')
  // radclient opens the hidden keys with the secret (RFC 2548 §2.4.2): they are the ones the code makes
  const keys = (await msChap()).mppeKeys((await msChap()).ntPasswordHash(alice.otc(11)), challengeResponse(challengeHash(peerChallenge, authenticatorChallenge, Buffer.from('alice')), (await msChap()).ntPasswordHash(alice.otc(11))))
  t.match(accepted.out, new RegExp(`MS-MPPE-Send-Key = 0x${keys.send.toString('hex')}`, 'i'), 'MS-MPPE-Send-Key: the server\'s send key')
  t.match(accepted.out, new RegExp(`MS-MPPE-Recv-Key = 0x${keys.receive.toString('hex')}`, 'i'), 'MS-MPPE-Recv-Key: its receive key')
  t.match(accepted.out, /MS-MPPE-Encryption-Policy = Encryption-Allowed/)
  t.match(accepted.out, /MS-MPPE-Encryption-Types = RC4-40or128-bit-Allowed/)
  const again = await runRadclient([`127.0.0.1:${port}`, 'auth', secret], input)
  t.match(again.out, /Received Access-Reject/, 'the same response again')
  t.notMatch(again.out, /MS-CHAP2-Success|MS-MPPE/, 'no authenticator response and no key in a reject')
  t.match(again.out, /MS-CHAP-Error = "BE=691 R=0 C=[0-9A-F]{32} V=3"/, 'MS-CHAP-Error: the ident, E=691 (failure), no retry, a new challenge, version 3')
  const wrong = await msChap2Request('alice', wrongCode(alice.otc(12)))
  t.match((await runRadclient([`127.0.0.1:${port}`, 'auth', secret], wrong.input)).out, /Received Access-Reject/, 'a wrong code')
  t.match((await runRadclient([`127.0.0.1:${port}`, 'auth', secret], (await msChap2Request('alice', alice.otc(12))).input)).out, /Received Access-Accept/, 'a wrong proof burns nothing')
  const other = await msChap2Request('bob', alice.otc(13))
  t.match((await runRadclient([`127.0.0.1:${port}`, 'auth', secret], other.input)).out, /Received Access-Reject/, 'the user name is part of the hash')
})

t.test('a wrong CHAP or MS-CHAP code counts towards the lockout; an unknown user is rejected', { skip: radiusSkip }, async (t) => {
  const built = await build(t)
  await seedAgent(built.services)
  const alice = await readyUser(built.app, built.services)
  await setPolicy(built.services.db, 'max-login-tries', '3')
  const port = await radiusServer(t, built)
  t.match((await radtest('chap', 'alice', wrongCode(alice.otc(1)), port, secret)).out, /Access-Reject/)
  t.match((await radtest('mschap', 'alice', wrongCode(alice.otc(2)), port, secret)).out, /Access-Reject/)
  t.equal((await userNamed(built.services, 'alice'))?.failed_logins, 2, 'two failures counted')
  const third = await msChap2Request('alice', wrongCode(alice.otc(3)))
  t.match((await runRadclient([`127.0.0.1:${port}`, 'auth', secret], third.input)).out, /Access-Reject/)
  t.match(built.logs.find((r) => /AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED/.test(r.msg))?.msg, /by alice Failed/, 'the third locks')
  t.match((await radtest('chap', 'alice', alice.otc(4), port, secret)).out, /Access-Reject/, 'a right code: locked')
  t.equal((await login(built.app, 'alice', alice.otc(5))).error, 'AGENT_ERROR_USER_LOCKED')

  t.match((await radtest('chap', 'nobody', '123456', port, secret)).out, /Received Access-Reject/, 'an unknown user')
  t.match((await radtest('mschap', 'nobody', '123456', port, secret)).out, /Received Access-Reject/)
  const unknown = (await loginRows(built.services)).filter((r) => /nobody/.test(r.message))
  t.same(unknown.map((r) => r.message), Array(2).fill('From the IP Address: 127.0.0.1 NAS ID: vpn - Login failed for user: nobody, error: User not found'))
})

t.test('a NAS with --check-password or --two-stage: CHAP and MS-CHAP are rejected, saying why', { skip: radiusSkip }, async (t) => {
  const built = await build(t)
  const alice = await readyUser(built.app, built.services)
  const port = await radiusServer(t, built, { checkPassword: true })
  t.match((await radtest('chap', 'alice', alice.otc(1), port, secret)).out, /Received Access-Reject/)
  t.match((await radtest('mschap', 'alice', alice.otc(1), port, secret)).out, /Received Access-Reject/)
  t.same(
    built.logs.filter((r) => r.reason === 'unsupported method').map((r) => r.msg),
    ['CHAP', 'MS-CHAP'].map((method) => `RADIUS: ${method} for user alice from NAS vpn rejected: the NAS has --check-password, and only PAP carries the directory password`),
  )
  t.same(await loginRows(built.services), [], 'no login was run')
  t.match((await radtest('pap', 'alice', alice.otc(1), port, secret)).out, /Received Access-Reject/, 'and the string is still there for a login with the password')
  t.equal((await userNamed(built.services, 'alice'))?.failed_logins, 1)
})

t.test('dropped: an MS-CHAP response with only the LM-Response, or without its challenge', { skip: radiusSkip }, async (t) => {
  const built = await build(t)
  await readyUser(built.app, built.services)
  const port = await radiusServer(t, built)
  const request = (...vendor: { type: number; value: Buffer }[]) =>
    encodeRequest({ code: Code.AccessRequest, identifier: 3, secret, attributes: [{ type: Attr.UserName, value: Buffer.from('alice') }, ...vendor] })
  const challenge = vendorAttribute(Vendor.Microsoft, Microsoft.MsChapChallenge, Buffer.alloc(8, 7))
  const lmOnly = vendorAttribute(Vendor.Microsoft, Microsoft.MsChapResponse, Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(48, 9)]))
  t.same(await exchange(port, [request(challenge, lmOnly), request(lmOnly), request()]), [], 'no reply')
  t.same(
    built.logs
      .filter((r) => /dropped/.test(r.msg))
      .map((r) => r.msg)
      .sort(),
    [
      'RADIUS: packet from 127.0.0.1 dropped: an MS-CHAP response without MS-CHAP-Challenge',
      'RADIUS: packet from 127.0.0.1 dropped: an MS-CHAP-Response with only the LM-Response',
      'RADIUS: packet from 127.0.0.1 dropped: no User-Password, CHAP-Password or MS-CHAP response',
    ],
  )
  t.same(await loginRows(built.services), [])
})
