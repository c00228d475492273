import t from 'tap'
import { findBatchByDevice } from '../src/db/repositories/string-batches.js'
import { findDeviceByUser } from '../src/db/repositories/devices.js'
import { deriveCode, deriveOtc } from '../src/domain/otc.js'
import { lockedNow } from '../src/domain/lockout.js'
import { readPolicies, setPolicy } from '../src/domain/policy.js'
import { describeUser, requireUser, unlockUser } from '../src/domain/users.js'
import { build, element, post, sasRequest } from './helpers/build.js'
import { insertBurn } from './helpers/db-seed.js'
import { downloadStrings, login, loginXml, provisionDevice, readyUser } from './helpers/login.js'
import { agentSecret, seedAgent, seedCode, seedUser } from './helpers/seed.js'

/** The same OTC with its first character changed: a wrong code for the same index. */
const wrong = (otc: string) => `${(Number(otc[0]) + 1) % 10}${otc.slice(1)}`

async function setup(t: Parameters<typeof build>[0]) {
  const built = await build(t)
  await seedAgent(built.services)
  const alice = await readyUser(built.app, built.services)
  return { ...built, alice }
}

t.test('a right code passes once, in both forms, with the legacy log line', async (t) => {
  const { app, logs, alice } = await setup(t)
  const first = await login(app, 'alice', alice.otc(1))
  t.equal(first.result, 'PASS')
  t.equal(first.error, undefined)
  t.match(first.body, /<RequestID>42<\/RequestID>/)
  const legacy = await login(app, 'alice', alice.otc(2, 'legacy'))
  t.match(alice.otc(2, 'legacy'), /^\d{4},02$/)
  t.equal(legacy.result, 'PASS', 'the pre-3.10 nnnn,nn form')
  const ok = logs.filter((r) => r.event === 'loginOk')
  t.equal(ok.length, 2)
  t.equal(ok[0]?.msg, 'Login successful for user: alice.')
  t.equal(ok[0]?.agent, 'test-agent')
})

t.test('a wrong code is a plain FAIL and burns the string', async (t) => {
  const { app, logs, alice } = await setup(t)
  const reply = await login(app, 'alice', wrong(alice.otc(5)))
  t.equal(reply.result, 'FAIL')
  t.equal(reply.error, undefined, 'no <Error>: legacy agents read a plain FAIL as "wrong code"')
  const line = logs.find((r) => r.event === 'loginFailed')
  t.equal(line?.msg, 'Login failed for user: alice, error: Invalid OTC')
  t.equal(line?.reason, 'wrong code')
  const right = await login(app, 'alice', alice.otc(5))
  t.equal(right.result, 'FAIL', 'the right code for a burnt string fails')
  t.equal(logs.at(-1)?.reason, 'string already used')
})

t.test('replay of a used string fails', async (t) => {
  const { app, logs, alice } = await setup(t)
  t.equal((await login(app, 'alice', alice.otc(7))).result, 'PASS')
  const again = await login(app, 'alice', alice.otc(7))
  t.equal(again.result, 'FAIL')
  t.equal(again.error, undefined)
  t.equal(logs.at(-1)?.reason, 'string already used')
  const legacy = await login(app, 'alice', alice.otc(7, 'legacy'))
  t.equal(legacy.result, 'FAIL', 'nor in the other form')
})

t.test('index 00 (the filler) and index 100 never authenticate, and count as failures', async (t) => {
  const { app, services, alice } = await setup(t)
  const filler = `${deriveCode(alice.strings[0] ?? '', alice.pin)}00`
  const zero = await login(app, 'alice', filler)
  t.equal(zero.result, 'FAIL')
  t.equal(zero.error, undefined)
  const hundred = await login(app, 'alice', `${deriveCode(alice.strings[1] ?? '', alice.pin)}100`)
  t.equal(hundred.result, 'FAIL')
  t.equal(hundred.error, undefined)
  const legacyHundred = await login(app, 'alice', `${deriveCode(alice.strings[1] ?? '', alice.pin)},100`)
  t.equal(legacyHundred.result, 'FAIL')
  t.equal((await describeUser(services, 'alice')).failedLogins, 3)
  t.equal((await login(app, 'alice', alice.otc(1))).result, 'PASS', 'index 01 was not burnt by "…100"')
})

t.test('AGENT_ERROR_NO_OTC: no OTC element, or an empty one', async (t) => {
  const { app, logs } = await setup(t)
  t.equal((await login(app, 'alice', undefined)).error, 'AGENT_ERROR_NO_OTC')
  t.equal((await login(app, 'alice', '')).error, 'AGENT_ERROR_NO_OTC')
  t.equal(logs.at(-1)?.msg, 'Login failed for user: alice, error: No OTC')
})

t.test('AGENT_ERROR_BAD_OTC: wrong length for the PIN, or no index; it counts', async (t) => {
  const { app, services, logs, alice } = await setup(t)
  await setPolicy(services.db, 'max-login-tries', '10')
  const code = alice.otc(1).slice(0, 4)
  for (const otc of [`${code}5`, code, `${code}0101`, `${code.slice(1)},01`, `${code}x1`, `${code},`]) {
    t.equal((await login(app, 'alice', otc)).error, 'AGENT_ERROR_BAD_OTC', otc)
  }
  t.equal(logs.at(-1)?.msg, 'Login failed for user: alice, error: Bad OTC')
  t.equal((await describeUser(services, 'alice')).failedLogins, 6)
})

t.test('AGENT_ERROR_NO_PIN', async (t) => {
  const { app, services } = await setup(t)
  await seedUser(services, { name: 'bob' })
  await provisionDevice(app, services, 'bob')
  t.equal((await login(app, 'bob', '123401')).error, 'AGENT_ERROR_NO_PIN')
})

t.test('AGENT_ERROR_NO_SECURITY_STRINGS: no device, no batch, or every string used', async (t) => {
  const { app, services, logs, alice } = await setup(t)
  await seedUser(services, { name: 'bob', pin: '1357' })
  t.equal((await login(app, 'bob', '123401')).error, 'AGENT_ERROR_NO_SECURITY_STRINGS')
  t.equal(logs.at(-1)?.reason, 'no device')
  t.equal(logs.at(-1)?.msg, 'Login failed for user: bob, error: No security strings')

  await seedUser(services, { name: 'carol', pin: '1357' })
  await seedCode(services, 'carol', 'K7QF2M9XWD')
  await post(app, sasRequest('<Action>provision</Action><Username>carol</Username><ProvisionCode>K7QF2M9XWD</ProvisionCode>'))
  t.equal((await login(app, 'carol', '123401')).error, 'AGENT_ERROR_NO_SECURITY_STRINGS')
  t.equal(logs.at(-1)?.reason, 'no batch downloaded')

  const user = await requireUser(services, 'alice')
  const device = await findDeviceByUser(services.db, user.id)
  const batch = device && (await findBatchByDevice(services.db, device.id))
  for (let index = 1; index <= 98; index++) await insertBurn(services, batch?.id ?? -1, index)
  // one string left: a used one, the filler and a code that is no code are counted failures
  t.equal((await login(app, 'alice', alice.otc(98))).error, undefined, 'a used string, with one left: a plain FAIL')
  t.equal(logs.at(-1)?.reason, 'string already used')
  t.equal((await login(app, 'alice', `${deriveCode(alice.strings[0] ?? '', alice.pin)}00`)).error, undefined)
  t.equal(logs.at(-1)?.reason, 'index out of range')
  t.equal((await login(app, 'alice', 'abc')).error, 'AGENT_ERROR_BAD_OTC')
  t.equal((await describeUser(services, 'alice')).failedLogins, 3)
  t.equal((await login(app, 'alice', alice.otc(99))).result, 'PASS', 'the last string still works')
  t.equal((await describeUser(services, 'alice')).failedLogins, 0)
  // none left: whatever the code names, NO_SECURITY_STRINGS, and nothing is counted
  for (const otc of [alice.otc(99), alice.otc(1), `${deriveCode(alice.strings[0] ?? '', alice.pin)}00`, 'abc']) {
    t.equal((await login(app, 'alice', otc)).error, 'AGENT_ERROR_NO_SECURITY_STRINGS', otc)
    t.equal(logs.at(-1)?.reason, 'every string of the batch used')
  }
  t.equal((await describeUser(services, 'alice')).failedLogins, 0, 'no strings is not a failed try')
})

t.test('an unknown user and a wrong code get byte-identical replies', async (t) => {
  const { app, logs, alice } = await setup(t)
  const unknown = await post(app, loginXml('mallory', wrong(alice.otc(3))))
  const wrongCode = await post(app, loginXml('alice', wrong(alice.otc(3))))
  t.equal(unknown.body, wrongCode.body)
  t.same(unknown.headers['content-type'], wrongCode.headers['content-type'])
  t.equal(unknown.statusCode, wrongCode.statusCode)
  // also with codes the unknown user could not have: every shape a real user's wrong code can take
  for (const otc of ['123401', '1234,01', '1234567801', '12345600', '1234100']) {
    t.equal((await post(app, loginXml('mallory', otc))).body, wrongCode.body, otc)
  }
  t.equal((await post(app, loginXml('', '123401'))).body, wrongCode.body, 'no user name')
  t.equal(logs.find((r) => r.user === 'mallory')?.msg, 'Login failed for user: mallory, error: User not found')
})

t.test('lockout: the try that reaches the maximum locks, later tries are refused without burning', async (t) => {
  const { app, services, alice } = await setup(t)
  await setPolicy(services.db, 'max-login-tries', '3')
  t.equal((await login(app, 'alice', wrong(alice.otc(1)))).error, undefined)
  t.equal((await login(app, 'alice', wrong(alice.otc(2)))).error, undefined)
  t.equal((await login(app, 'alice', wrong(alice.otc(3)))).error, 'AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED')
  const locked = await login(app, 'alice', alice.otc(4))
  t.equal(locked.error, 'AGENT_ERROR_USER_LOCKED', 'even the right code')
  t.equal((await login(app, 'alice', wrong(alice.otc(5)))).error, 'AGENT_ERROR_USER_LOCKED')
  const view = await describeUser(services, 'alice')
  t.equal(view.failedLogins, 3, 'locked tries are not counted')
  t.ok(view.lockedAt)
  await unlockUser(services, 'alice')
  t.equal((await login(app, 'alice', alice.otc(4))).result, 'PASS', 'a locked try burnt nothing; unlock works at once')
})

t.test('lockout-time lets the lock lapse after the set minutes', async (t) => {
  const { app, services, clock, logs, alice } = await setup(t)
  await setPolicy(services.db, 'max-login-tries', '2')
  await setPolicy(services.db, 'lockout-time', '1')
  await login(app, 'alice', wrong(alice.otc(1)))
  t.equal((await login(app, 'alice', wrong(alice.otc(2)))).error, 'AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED')
  t.equal(logs.at(-1)?.msg, 'Login failed for user: alice, error: Maximum login tries exceeded')
  clock.advance(59_999)
  t.equal((await login(app, 'alice', alice.otc(3))).error, 'AGENT_ERROR_USER_LOCKED')
  t.equal(logs.at(-1)?.msg, 'Login failed for user: alice, error: User locked')
  clock.advance(1)
  t.equal((await login(app, 'alice', wrong(alice.otc(4)))).error, undefined, 'lapsed: a wrong code is a plain FAIL again')
  t.equal((await describeUser(services, 'alice')).failedLogins, 1, 'and the count started again')
  t.equal((await login(app, 'alice', alice.otc(3))).result, 'PASS')
})

t.test('a lock past its lockout time shows as lapsed before the next login tries', async (t) => {
  const { app, services, clock, alice } = await setup(t)
  await setPolicy(services.db, 'max-login-tries', '1')
  await setPolicy(services.db, 'lockout-time', '1')
  await login(app, 'alice', wrong(alice.otc(1)))
  const locked = await describeUser(services, 'alice')
  t.ok(locked.lockedAt !== null, 'locked')
  t.equal(locked.unlocksAt, (locked.lockedAt ?? 0) + 60_000, 'until a minute later')
  const lockedAlice = async () => lockedNow(await requireUser(services, 'alice'), await readPolicies(services), services.now())
  t.equal(await lockedAlice(), true)
  clock.advance(60_000)
  // nothing has touched the row yet: what the command, the console and AdminXML show is the rule's view
  const lapsed = await describeUser(services, 'alice')
  t.same([lapsed.lockedAt, lapsed.unlocksAt, lapsed.failedLogins], [null, undefined, 0], 'shown unlocked, the count started again')
  t.equal(await lockedAlice(), false)
  await setPolicy(services.db, 'lockout-time', '0')
  t.equal((await describeUser(services, 'alice')).unlocksAt, undefined, 'with lockout-time 0 only an administrator unlocks')
  t.ok((await describeUser(services, 'alice')).lockedAt !== null, 'so the same lock is in force again')
})

t.test('with lockout-time 0 the lock stays until unlocked; max-login-tries 0 never locks', async (t) => {
  const { app, services, clock, alice } = await setup(t)
  await setPolicy(services.db, 'max-login-tries', '1')
  t.equal((await login(app, 'alice', wrong(alice.otc(1)))).error, 'AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED')
  clock.advance(365 * 24 * 3600_000)
  t.equal((await login(app, 'alice', alice.otc(2))).error, 'AGENT_ERROR_USER_LOCKED')
  await unlockUser(services, 'alice')
  await setPolicy(services.db, 'max-login-tries', '0')
  for (let index = 3; index < 13; index++) t.equal((await login(app, 'alice', wrong(alice.otc(index)))).error, undefined)
  t.equal((await describeUser(services, 'alice')).lockedAt, null)
})

t.test('a success resets the count', async (t) => {
  const { app, services, alice } = await setup(t)
  await setPolicy(services.db, 'max-login-tries', '3')
  await login(app, 'alice', wrong(alice.otc(1)))
  await login(app, 'alice', wrong(alice.otc(2)))
  t.equal((await login(app, 'alice', alice.otc(3))).result, 'PASS')
  t.equal((await describeUser(services, 'alice')).failedLogins, 0)
  await login(app, 'alice', wrong(alice.otc(4)))
  t.equal((await login(app, 'alice', wrong(alice.otc(5)))).error, undefined, 'two failures after a success do not lock')
})

t.test('concurrent wrong codes cannot skip past the limit', async (t) => {
  const { app, services, alice } = await setup(t)
  await setPolicy(services.db, 'max-login-tries', '3')
  const replies = await Promise.all([1, 2, 3, 4, 5, 6].map((index) => login(app, 'alice', wrong(alice.otc(index)))))
  const errors = replies.map((r) => r.error)
  t.equal(errors.filter((e) => e === 'AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED').length, 1)
  t.equal(errors.filter((e) => e === undefined).length, 2)
  t.equal(errors.filter((e) => e === 'AGENT_ERROR_USER_LOCKED').length, 3)
})

t.test('concurrent logins with the same code: exactly one PASS', async (t) => {
  const { app, services, alice } = await setup(t)
  await setPolicy(services.db, 'max-login-tries', '0')
  const replies = await Promise.all(Array.from({ length: 8 }, () => login(app, 'alice', alice.otc(9))))
  t.equal(replies.filter((r) => r.result === 'PASS').length, 1)
  t.equal(replies.filter((r) => r.result === 'FAIL' && r.error === undefined).length, 7)
})

t.test('after a re-provision, a string of the old device fails', async (t) => {
  const { app, services, alice } = await setup(t)
  await seedCode(services, 'alice', 'NEWDEVICE2')
  const provision = sasRequest('<Action>provision</Action><Username>alice</Username><ProvisionCode>NEWDEVICE2</ProvisionCode>')
  const id = element((await post(app, provision, '/proxy/AgentXML')).body, 'Id') ?? ''
  t.equal((await login(app, 'alice', alice.otc(1))).error, 'AGENT_ERROR_NO_SECURITY_STRINGS', 'the old batch went with the old device')
  const fresh = await downloadStrings(app, id)
  // an index where the old and the new string give different codes (they almost always do)
  const differs = (a: string[], b: string[]) => (n: number) => deriveCode(a[n] ?? '', '2468') !== deriveCode(b[n] ?? '', '2468')
  const index = [2, 3, 4, 5, 6].find(differs(alice.strings, fresh)) ?? 2
  t.equal((await login(app, 'alice', alice.otc(index))).result, 'FAIL')
  t.equal((await login(app, 'alice', deriveOtc(fresh[index + 10] ?? '', '2468', index + 10))).result, 'PASS')

  const renewed = await downloadStrings(app, id)
  const later = [30, 31, 32, 33, 34].find(differs(fresh, renewed)) ?? 30
  t.equal((await login(app, 'alice', deriveOtc(fresh[later] ?? '', '2468', later))).result, 'FAIL', 'a new download retires the previous batch')
  t.equal((await login(app, 'alice', deriveOtc(renewed[later + 10] ?? '', '2468', later + 10))).result, 'PASS')
})

t.test('TokenIndex reflects the indexes logins burnt', async (t) => {
  const { app, alice } = await setup(t)
  const index = async () => (await app.inject({ method: 'GET', url: '/pinsafe/TokenIndex?username=alice' })).body
  t.equal(await index(), '1')
  await login(app, 'alice', alice.otc(1))
  await login(app, 'alice', alice.otc(2))
  t.equal(await index(), '3')
  await login(app, 'alice', wrong(alice.otc(6)))
  t.equal(await index(), '7', 'a wrong code burns its index too')
  await login(app, 'alice', `${alice.otc(1).slice(0, 4)}00`)
  await login(app, 'alice', `${alice.otc(1).slice(0, 4)}100`)
  t.equal(await index(), '7', 'indexes no string has are never burnt')
})

t.test('login is an agent action: no secret, a wrong secret or the /proxy context are refused', async (t) => {
  const { app, alice } = await setup(t)
  const otc = alice.otc(1)
  const bare = sasRequest(`<Action>login</Action><Username>alice</Username><OTC>${otc}</OTC>`)
  t.equal(element((await post(app, bare)).body, 'Error'), 'AGENT_ERROR_AGENT_ACCESS')
  const badSecret = loginXml('alice', otc).replace(agentSecret, 'wrong-secret-000')
  t.equal(element((await post(app, badSecret)).body, 'Error'), 'AGENT_ERROR_AGENT_ACCESS')
  t.equal(element((await post(app, loginXml('alice', otc), '/proxy/AgentXML')).body, 'Error'), 'AGENT_ERROR_AGENT_ACCESS')
  t.equal((await login(app, 'alice', otc)).result, 'PASS', 'refused requests burnt nothing')
})

t.test('no OTC, PIN or security string reaches a log line', async (t) => {
  const { app, services, logs, alice } = await setup(t)
  await setPolicy(services.db, 'max-login-tries', '3')
  await login(app, 'mallory', alice.otc(5))
  const presented = [alice.otc(1), alice.otc(1), wrong(alice.otc(2)), alice.otc(3, 'legacy'), '99999', `${alice.otc(4).slice(0, 4)}00`]
  for (const otc of presented) await login(app, 'alice', otc)
  await login(app, 'alice', alice.otc(6))
  const secrets = [...presented, alice.otc(5), alice.otc(6), alice.pin, ...alice.strings, agentSecret]
  const values: string[] = []
  const collect = (value: unknown): void => {
    if (typeof value === 'string') values.push(value)
    else if (value && typeof value === 'object') Object.values(value).forEach(collect)
  }
  collect(logs)
  t.equal(logs.filter((r) => r.event === 'loginFailed').length, 5)
  const leaks = values.filter((value) => secrets.some((secret) => value.includes(secret)))
  t.same(leaks, [])
})
