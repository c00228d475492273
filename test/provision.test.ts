import t from 'tap'
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
