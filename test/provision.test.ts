import t from 'tap'
import { setPolicy } from '../src/domain/policy.js'
import { build, element, post, sasRequest } from './helpers/build.js'
import { seedCode, seedUser } from './helpers/seed.js'

const provision = (user: string, code: string) =>
  sasRequest(`<Action>provision</Action><Username>${user}</Username><ProvisionCode>${code}</ProvisionCode>`)
const strings = (id: string) => sasRequest(`<Action>SecurityStrings</Action><Id>${id}</Id>`)

t.test('a pending code provisions once and its Id downloads 100 strings', async (t) => {
  const { app, services, logs } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedCode(services, 'alice', 'K7QF2M9XWD')
  const first = await post(app, provision('alice', 'K7QF2M9XWD'), '/proxy/AgentXML')
  t.equal(element(first.body, 'Result'), 'PASS')
  const id = element(first.body, 'Id') ?? ''
  t.match(id, /^[0-9a-f]{32}$/)
  t.ok(logs.some((r) => r.msg === 'User "alice" provisioned successfully'))

  const download = await post(app, strings(id), '/proxy/AgentXML')
  const fields = (element(download.body, 'SecurityStrings') ?? '').split(';')
  t.equal(fields.length, 100)
  t.ok(fields.every((f) => /^\d{10}$/.test(f)))

  const again = await post(app, provision('alice', 'K7QF2M9XWD'), '/proxy/AgentXML')
  t.equal(element(again.body, 'Error'), 'PROVISION_FAILURE', 'a used code fails')
})

t.test('an expired code fails with the legacy log line', async (t) => {
  const { app, services, logs, clock } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedCode(services, 'alice', 'K7QF2M9XWD', 10)
  clock.advance(10_001)
  const reply = await post(app, provision('alice', 'K7QF2M9XWD'))
  t.equal(element(reply.body, 'Error'), 'PROVISION_FAILURE')
  const line = logs.find((r) => r.event === 'provisionFailed')
  t.equal(line?.msg, 'User "alice" provision failed, A valid session could not be loaded or created for the user.')
  t.equal(line?.reason, 'expired code')
})

t.test('past the attempts a user may have in 15 minutes, an attempt is refused and leaves the code alone', async (t) => {
  const { app, services, logs, clock } = await build(t)
  await seedUser(services, { name: 'alice' })
  // five wrong attempts, from five addresses: each voids the pending code, as the rule says
  for (let n = 1; n <= 5; n++) {
    await seedCode(services, 'alice', 'K7QF2M9XWD')
    const wrong = await post(app, provision('alice', 'WRONGCODE2'), '/proxy/AgentXML', { remoteAddress: `203.0.113.${n}` })
    t.equal(element(wrong.body, 'Error'), 'PROVISION_FAILURE')
  }
  await seedCode(services, 'alice', 'K7QF2M9XWD', 3600)
  const sixth = await post(app, provision('alice', 'WRONGCODE2'), '/proxy/AgentXML', { remoteAddress: '203.0.113.6' })
  t.equal(element(sixth.body, 'Error'), 'PROVISION_FAILURE', 'the same catalogued reply')
  t.equal(logs.filter((r) => r.reason === 'too many attempts for this user').length, 1)
  // the user's own attempt with the right code is refused too until the window ends; the code is still there
  clock.advance(15 * 60_000)
  const own = await post(app, provision('ALICE', 'K7QF2M9XWD'), '/proxy/AgentXML')
  t.equal(element(own.body, 'Result'), 'PASS', 'the code the sixth attempt could not void still works, for the name in any case')
})

t.test('past the attempts an address may make in 15 minutes, its attempts are refused; other addresses go on', async (t) => {
  const { app, services, logs } = await build(t)
  await setPolicy(services.db, 'provision-attempts-per-address', '3')
  for (const name of ['u1', 'u2', 'u3', 'u4']) {
    await seedUser(services, { name })
    await seedCode(services, name, 'K7QF2M9XWD')
  }
  for (const name of ['u1', 'u2', 'u3']) {
    const reply = await post(app, provision(name, 'WRONGCODE2'), '/proxy/AgentXML', { remoteAddress: '198.51.100.9' })
    t.equal(element(reply.body, 'Error'), 'PROVISION_FAILURE')
  }
  const blocked = await post(app, provision('u4', 'K7QF2M9XWD'), '/proxy/AgentXML', { remoteAddress: '198.51.100.9' })
  t.equal(element(blocked.body, 'Error'), 'PROVISION_FAILURE', 'the fourth is refused, right code or not')
  t.equal(logs.at(-1)?.reason, 'too many attempts from this address')
  const elsewhere = await post(app, provision('u4', 'K7QF2M9XWD'), '/proxy/AgentXML', { remoteAddress: '198.51.100.10' })
  t.equal(element(elsewhere.body, 'Result'), 'PASS', "and u4's code was not used up by the refused attempt")
})
