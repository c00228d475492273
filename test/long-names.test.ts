import t from 'tap'
import { build, element, post, sasRequest } from './helpers/build.js'
import { agentSecret, seedAgent } from './helpers/seed.js'

const long = 'x'.repeat(65_000)
const shown = `${'x'.repeat(64)}… (65000 characters)`

/** No line written is long: the name went in truncated, with its length. */
function assertShortLines(t: Tap, lines: string[]) {
  t.ok(lines.length > 0, 'something was logged')
  t.ok(lines.every((line) => line.length < 1000), `longest line: ${Math.max(...lines.map((line) => line.length))} characters`)
}
type Tap = Pick<typeof t, 'ok'>

t.test('provision with an over-long Username: PROVISION_FAILURE, logged truncated', async (t) => {
  const { app, services, lines, logs } = await build(t)
  // a body over /proxy's 4 KiB reaches the parser on /pinsafe from an agent's address only (an appliance proxy)
  await seedAgent(services)
  const reply = await post(app, sasRequest(`<Action>provision</Action><Username>${long}</Username><ProvisionCode>K7QF2M9XWD</ProvisionCode>`))
  t.equal(element(reply.body, 'Error'), 'PROVISION_FAILURE')
  assertShortLines(t, lines)
  const failed = logs.find((r) => r.event === 'noAuthMethod')
  t.equal(failed?.user, shown)
  t.equal(failed?.reason, 'user name longer than 128 characters')
})

t.test('login with an over-long Username: the plain FAIL of an unknown user', async (t) => {
  const { app, services, lines, logs } = await build(t)
  await seedAgent(services)
  const login = (user: string) => post(app, sasRequest(`<Secret>${agentSecret}</Secret><Action>login</Action><Username>${user}</Username><OTC>802106</OTC>`))
  const unknown = await login('nobody')
  lines.length = 0
  const reply = await login(long)
  t.equal(reply.body, unknown.body, 'byte for byte the reply of an unknown user')
  t.equal(element(reply.body, 'Result'), 'FAIL')
  t.equal(element(reply.body, 'Error'), undefined)
  assertShortLines(t, lines)
  const failed = logs.at(-1)
  t.equal(failed?.event, 'loginFailed')
  t.equal(failed?.user, shown)
})

t.test('reprovision with an over-long Username: AGENT_ERROR_NO_USER_FOUND', async (t) => {
  const { app, services, lines, logs } = await build(t)
  await seedAgent(services)
  const reply = await post(app, sasRequest(`<Secret>${agentSecret}</Secret><Action>reprovision</Action><Username>${long}</Username>`))
  t.equal(element(reply.body, 'Error'), 'AGENT_ERROR_NO_USER_FOUND')
  assertShortLines(t, lines)
  t.equal(logs.find((r) => r.event === 'noAuthMethod')?.user, shown)
})

t.test('TokenIndex with an over-long username: 0, logged truncated', async (t) => {
  const { app, lines, logs } = await build(t)
  const reply = await app.inject({ method: 'GET', url: `/proxy/TokenIndex?username=${'y'.repeat(8000)}` })
  t.equal(reply.body, '0')
  assertShortLines(t, lines)
  t.equal(logs.find((r) => r.event === 'tokenIndex')?.user, `${'y'.repeat(64)}… (8000 characters)`)
})

t.test('a name of exactly 128 characters is still looked up', async (t) => {
  const { app, logs } = await build(t)
  const reply = await app.inject({ method: 'GET', url: `/proxy/TokenIndex?username=${'z'.repeat(128)}` })
  t.equal(reply.body, '0')
  t.equal(logs.find((r) => r.event === 'tokenIndex')?.user, 'z'.repeat(128))
})
