// RADIUS for NASes that want the user's directory password too (issue #24, item 4): the password
// and the code in one User-Password (`--check-password`), or PINsafe's two stages (`--two-stage`),
// against a real slapd, with FreeRADIUS's radtest and pamtester (libpam-radius-auth), which
// answers an Access-Challenge as a VPN's login prompt does.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { syncRepository } from '../src/domain/directory-sync.js'
import { addNas, changeNas } from '../src/domain/nas-clients.js'
import { deriveOtc } from '../src/domain/otc.js'
import { setPolicy } from '../src/domain/policy.js'
import { changeRepository } from '../src/domain/repositories.js'
import type { Services } from '../src/domain/services.js'
import { describeUser, setPin } from '../src/domain/users.js'
import { Attr, Code, encodeRequest, type Packet, verifyReply, decodePacket } from '../src/radius/index.js'
import { startRadius } from '../src/radius/server.js'
import { build } from './helpers/build.js'
import { testEngine } from './helpers/database.js'
import { addTestRepository, startDirectory, userNamed } from './helpers/directory.js'
import { provisionDevice } from './helpers/login.js'
import { ask, pamSkip, pamtester, radiusSkip, radtest, secondNode } from './helpers/radius.js'
import { groupDn, groupLdif, slapdSkip } from './helpers/slapd.js'

t.setTimeout(300_000)

const secret = 'nas-shared-secret-0123'
const password = 'alice-directory-pw'
const skip = radiusSkip || slapdSkip

async function setup(t: Test, nas: { twoStage?: boolean; checkPassword?: boolean; messageAuthenticator?: string; groups?: string; groupFormat?: string }) {
  const slapd = await startDirectory({ logOperations: true })
  t.teardown(() => slapd.close())
  const built = await build(t)
  await addTestRepository(built.services, slapd)
  await syncRepository(built.services, 'corp', { trigger: 'command' })
  await setPin(built.services, 'alice', '2468')
  const device = await provisionDevice(built.app, built.services, 'alice')
  const otc = (index: number, form: 'modern' | 'legacy' = 'modern') => deriveOtc(device.strings[index] ?? '', '2468', index, form)
  const wrongOtc = (index: number) => `${(Number(otc(index)[0]) + 1) % 10}${otc(index).slice(1)}`
  await addNas(built.services, { name: 'vpn', networks: ['127.0.0.1/32'], secret, ...nas })
  const server = await startRadius(built.services, { host: '127.0.0.1', port: 0, rejectDelayMs: 0 })
  t.teardown(() => server.close())
  const aliceDn = (await userNamed(built.services, 'alice'))?.directory_dn ?? ''
  const aliceBinds = () => slapd.binds().filter((dn) => dn.toLowerCase() === aliceDn.toLowerCase()).length
  return { ...built, slapd, port: server.auth.port, otc, wrongOtc, aliceBinds }
}

const failures = async (services: Services) => (await userNamed(services, 'alice'))?.failed_logins

t.test('--check-password: the directory password, then the code, in one User-Password', { skip }, async (t) => {
  const { services, port, otc, wrongOtc, aliceBinds, lines } = await setup(t, { checkPassword: true })
  t.match((await radtest('pap', 'alice', password + otc(1), port, secret)).out, /Received Access-Accept/, 'password and code: Access-Accept')
  t.match((await radtest('pap', 'alice', password + otc(2, 'legacy'), port, secret)).out, /Received Access-Accept/, 'the legacy form of the code too')
  t.match((await radtest('pap', 'alice', `not-her-pw${otc(3)}`, port, secret)).out, /Received Access-Reject/, 'a wrong password: Access-Reject')
  t.equal(await failures(services), 1, 'counted towards the lockout')
  t.match((await radtest('pap', 'alice', password + otc(3), port, secret)).out, /Received Access-Reject/, 'and that string is burnt')
  t.match((await radtest('pap', 'alice', otc(4), port, secret)).out, /Received Access-Reject/, 'the code alone: no password is a wrong one')
  const binds = aliceBinds()
  t.match((await radtest('pap', 'alice', password + wrongOtc(5), port, secret)).out, /Received Access-Reject/, 'a wrong code with the right password')
  t.equal(aliceBinds(), binds, 'costs no bind as the user')
  t.match((await radtest('pap', 'alice', password + otc(6), port, secret)).out, /Received Access-Accept/)
  t.equal(await failures(services), 0, 'a pass resets the count')
  t.notOk(lines.some((line) => line.includes(password) || line.includes('not-her-pw')), 'no password in any log line')
})

t.test('--groups: an Access-Accept carries the directory groups that hold the keyword, as the NAS reads them', { skip }, async (t) => {
  const { services, slapd, port, otc, wrongOtc } = await setup(t, { groups: 'STAFF', groupFormat: 'cisco' })
  t.same(JSON.parse((await userNamed(services, 'alice'))?.directory_groups ?? 'null'), ['mobile', 'staff'], 'the sync keeps the names of her groups')
  t.equal((await userNamed(services, 'dave'))?.directory_groups, JSON.stringify(['staff']))
  t.same((await describeUser(services, 'alice')).groups, ['mobile', 'staff'], 'user show and the console show them')
  const hex = (text: string) => `0x${Buffer.from(text).toString('hex')}`
  const cisco = (await radtest('pap', 'alice', otc(1), port, secret)).out
  t.match(cisco, /Received Access-Accept/)
  t.match(cisco, `Class = ${hex('OU=staff')}`, 'cisco: one Class, OU=, the keyword in any case')
  t.notMatch(cisco, 'mobile', 'a group without the keyword is not sent')
  await slapd.add(groupLdif('VPN Admins', ['alice']))
  await changeRepository(services, 'corp', { groups: [groupDn('staff'), groupDn('VPN Admins')] })
  await syncRepository(services, 'corp', { trigger: 'command' })
  t.same(JSON.parse((await userNamed(services, 'alice'))?.directory_groups ?? 'null'), ['VPN Admins', 'mobile', 'staff'], 'a group she joins is read at the next sync, its name as the directory spells it')
  await changeNas(services, 'vpn', { groups: 'a', groupFormat: 'cisco' })
  t.match((await radtest('pap', 'alice', otc(2), port, secret)).out, `Class = ${hex('OU=VPN Admins;staff')}`, 'several groups: OU=g1;g2')
  await changeNas(services, 'vpn', { groups: 'staff', groupFormat: 'fortinet' })
  t.match((await radtest('pap', 'alice', otc(3), port, secret)).out, /Fortinet-Group-Name = "staff"/, 'fortinet: the Fortinet-Group-Name VSA (vendor 12356)')
  await changeNas(services, 'vpn', { groups: 'a', groupFormat: 'watchguard' })
  const watchguard = (await radtest('pap', 'alice', otc(4), port, secret)).out
  t.match(watchguard, /Filter-Id = "VPN Admins"[^]*Filter-Id = "staff"/, 'watchguard: a Filter-Id for each group')
  const rejected = (await radtest('pap', 'alice', wrongOtc(5), port, secret)).out
  t.match(rejected, /Received Access-Reject/)
  t.notMatch(rejected, /Filter-Id|staff/, 'a Reject carries no group')
  await changeNas(services, 'vpn', { groups: 'nobody-has-this', groupFormat: 'cisco' })
  const plain = (await radtest('pap', 'alice', otc(6), port, secret)).out
  t.match(plain, /Received Access-Accept/)
  t.notMatch(plain, /Class/, 'no group holds the keyword: a plain Accept')
})

t.test('--two-stage: the password gets an Access-Challenge, its State and the code an Access-Accept, once', { skip }, async (t) => {
  const { services, port, otc, aliceBinds, clock, lines } = await setup(t, { twoStage: true })
  const request = (user: string, typed: string, state?: Buffer, identifier = 1) =>
    encodeRequest({
      code: Code.AccessRequest,
      identifier,
      secret,
      attributes: [
        { type: Attr.UserName, value: Buffer.from(user) },
        { type: Attr.UserPassword, value: Buffer.from(typed) },
        ...(state ? [{ type: Attr.State, value: state }] : []),
      ],
    })
  const send = async (datagram: Buffer) => {
    const reply = await ask(port, datagram)
    t.equal(reply && verifyReply(reply, decodePacket(datagram) as Packet, secret), 'valid', 'the reply verifies')
    return reply
  }
  const stateOf = (reply: Packet | undefined) => reply?.attributes.find((a) => a.type === Attr.State)?.value

  const challenge = await send(request('alice', password))
  t.equal(challenge?.code, Code.AccessChallenge, 'the right password: Access-Challenge')
  t.equal(challenge?.attributes[0]?.type, Attr.MessageAuthenticator, 'Message-Authenticator first')
  t.equal(challenge?.attributes.find((a) => a.type === Attr.ReplyMessage)?.value.toString(), 'One-Time Code')
  const state = stateOf(challenge)
  t.ok(state && state.length <= 253, 'a State')
  t.equal((await send(request('alice', otc(1), state, 2)))?.code, Code.AccessAccept, 'the code with the State: Access-Accept')
  t.equal((await send(request('alice', otc(2), state, 3)))?.code, Code.AccessReject, 'the State again: Access-Reject')
  t.equal((await send(request('alice', otc(2), randomBytes(60), 4)))?.code, Code.AccessReject, 'a State this server did not make: Access-Reject')

  const bob = await send(request('alice', password, undefined, 5))
  t.equal((await send(request('bob', otc(2), stateOf(bob), 6)))?.code, Code.AccessReject, "alice's State for bob: Access-Reject")

  const late = await send(request('alice', password, undefined, 7))
  clock.advance(121_000)
  t.equal((await send(request('alice', otc(3), stateOf(late), 8)))?.code, Code.AccessReject, 'a State older than 120 s: Access-Reject')

  const wrong = await send(request('alice', 'not-her-pw', undefined, 9))
  t.equal(wrong?.code, Code.AccessReject, 'a wrong password: Access-Reject')
  t.notOk(stateOf(wrong), 'and no challenge')
  t.equal(await failures(services), 1, 'counted towards the lockout')

  await setPolicy(services.db, 'max-login-tries', '2')
  t.equal((await send(request('alice', 'not-her-pw', undefined, 10)))?.code, Code.AccessReject, 'the second wrong password locks')
  const binds = aliceBinds()
  t.equal((await send(request('alice', password, undefined, 11)))?.code, Code.AccessReject, 'a locked user: Access-Reject')
  t.equal(aliceBinds(), binds, 'without a bind')

  const rows = await services.db.selectFrom('audit_log').select(['event', 'message', 'actor', 'actor_type']).where('actor_type', '=', 'nas').orderBy('id').execute()
  t.match(rows[0], { event: 'passwordChecked', actor: 'vpn', message: 'From the IP Address: 127.0.0.1 NAS ID: vpn - Password check passed for user: alice, one-time code requested.' })
  t.match(rows[1], { event: 'loginOk' })
  t.match(rows[2], { event: 'loginFailed', message: /Login failed for user: alice, error: Invalid challenge$/ })
  t.match(rows.find((r) => /Invalid password$/.test(r.message)), { event: 'loginFailed' }, 'a wrong password has its row')
  t.notOk(lines.some((line) => line.includes(password) || line.includes('not-her-pw')), 'no password in any log line')
})

t.test('--two-stage through pamtester (libpam-radius-auth): password, the challenge prompt, the code', { skip: skip || pamSkip }, async (t) => {
  // pam_radius_auth 2.0 sends no Message-Authenticator: this NAS is set not to require it
  const { port, otc } = await setup(t, { twoStage: true, messageAuthenticator: 'off' })
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-pam-'))
  const service = `agentxml-test-${randomBytes(4).toString('hex')}`
  const conf = join(dir, 'pam_radius_auth.conf')
  writeFileSync(conf, `127.0.0.1:${port} ${secret} 3\n`, { mode: 0o600 })
  writeFileSync(`/etc/pam.d/${service}`, `auth required pam_radius_auth.so conf=${conf}\naccount required pam_permit.so\n`)
  t.teardown(() => {
    rmSync(`/etc/pam.d/${service}`, { force: true })
    rmSync(dir, { recursive: true, force: true })
  })
  const passed = await pamtester(service, 'alice', [password, otc(1)])
  t.match(passed.out, /One-Time Code/, 'the prompt is the challenge\'s Reply-Message')
  t.match(passed.out, /successfully authenticated/, 'and the code completes the login')
  t.equal(passed.code, 0)
  const refused = await pamtester(service, 'alice', ['not-her-pw', otc(2)])
  t.notMatch(refused.out, /One-Time Code/, 'a wrong password gets no challenge')
  t.not(refused.code, 0)
  const wrongCode = await pamtester(service, 'alice', [password, otc(1)])
  t.match(wrongCode.out, /One-Time Code/)
  t.not(wrongCode.code, 0, 'a used code after the right password fails')
})

t.test('--two-stage on two nodes: a challenge from one node is finished on the other, once', { skip: skip || (testEngine === 'sqlite' && 'SQLite has one server per file: two nodes share a PostgreSQL database') }, async (t) => {
  const first = await setup(t, { twoStage: true })
  const nodeB = await secondNode(t, first.services, first.target)
  const second = await startRadius(nodeB, { host: '127.0.0.1', port: 0, rejectDelayMs: 0 })
  t.teardown(() => second.close())
  const request = (typed: string, state?: Buffer, identifier = 1) =>
    encodeRequest({
      code: Code.AccessRequest,
      identifier,
      secret,
      attributes: [{ type: Attr.UserName, value: Buffer.from('alice') }, { type: Attr.UserPassword, value: Buffer.from(typed) }, ...(state ? [{ type: Attr.State, value: state }] : [])],
    })
  const challenge = await ask(first.port, request(password))
  const state = challenge?.attributes.find((a) => a.type === Attr.State)?.value
  t.equal(challenge?.code, Code.AccessChallenge, 'node A challenges')
  t.equal((await ask(second.auth.port, request(first.otc(1), state, 2)))?.code, Code.AccessAccept, 'node B accepts the code with that State')
  t.equal((await ask(first.port, request(first.otc(2), state, 3)))?.code, Code.AccessReject, 'node A refuses the State again')
})
