import t from 'tap'
import { findDeviceByUser } from '../src/db/repositories/devices.js'
import { setPolicy } from '../src/domain/policy.js'
import type { Services } from '../src/domain/services.js'
import { requireUser } from '../src/domain/users.js'
import { adminAgentSecret } from './helpers/admin-seed.js'
import { type Built, build, element, post, sasRequest } from './helpers/build.js'
import { addAgent } from '../src/domain/agents.js'
import { seedCode, seedUser } from './helpers/seed.js'

// DeviceOS, PushId and User-Agent are logged with the policy log-device-info and (the first two)
// stored with the device: a client must not make a long line or a long column of them

const provision = (app: Built['app'], deviceOs: string, pushId: string, userAgent: string) =>
  post(
    app,
    sasRequest(`<Action>provision</Action><Username>alice</Username><ProvisionCode>K7QF2M9XWD</ProvisionCode><DeviceOS>${deviceOs}</DeviceOS><PushId>${pushId}</PushId>`),
    '/pinsafe/AgentXML',
    { headers: { 'content-type': 'text/xml', 'user-agent': userAgent } },
  )

async function ready(t: Parameters<typeof build>[0]) {
  const built = await build(t)
  // the bodies below are over /proxy's 4 KiB: /pinsafe parses them from an agent's address only (an appliance proxy)
  await addAgent(built.services, { name: 'appliance', secret: 'appliance-secret-1', networks: ['127.0.0.1/32'] })
  await setPolicy(built.services.db, 'log-device-info', 'yes')
  await seedUser(built.services, { name: 'alice' })
  await seedCode(built.services, 'alice', 'K7QF2M9XWD')
  return built
}

async function storedDevice(services: Services) {
  const device = await findDeviceByUser(services.db, (await requireUser(services, 'alice')).id)
  return { deviceOs: device?.device_os, pushId: device?.push_id }
}

t.test('over-long DeviceOS, PushId and User-Agent: logged and stored as their first 64 characters and their length', async (t) => {
  const { app, services, lines, logs } = await ready(t)
  const reply = await provision(app, 'o'.repeat(30_000), 'p'.repeat(30_000), 'u'.repeat(12_000))
  t.equal(element(reply.body, 'Result'), 'PASS', 'the provision itself succeeds')
  const provisioned = logs.find((r) => r.event === 'provisioned')
  t.equal(provisioned?.deviceOs, `${'o'.repeat(64)}… (30000 characters)`)
  t.equal(provisioned?.pushId, `${'p'.repeat(64)}… (30000 characters)`)
  t.equal(provisioned?.userAgent, `${'u'.repeat(64)}… (12000 characters)`)
  const longest = Math.max(...lines.map((line) => line.length))
  t.ok(longest < 1000, `longest line: ${longest} characters`)
  t.same(await storedDevice(services), { deviceOs: `${'o'.repeat(64)}… (30000 characters)`, pushId: `${'p'.repeat(64)}… (30000 characters)` })

  // and so wherever the device is shown: AdminXML Read, the console
  await addAgent(services, { name: 'admin-agent', secret: adminAgentSecret, networks: ['127.0.0.1/32'], admin: true })
  const read = await post(app, `<AdminRequest secret="${adminAgentSecret}" version="3.6"><Read><User name="alice"/></Read></AdminRequest>`, '/pinsafe/AdminXML')
  t.match(read.body, `${'o'.repeat(64)}… (30000 characters)`)
  t.ok(read.body.length < 2000, `AdminXML reply of ${read.body.length} characters`)
})

t.test('real values, and values of exactly 256 characters, are kept whole', async (t) => {
  const { app, services, logs } = await ready(t)
  const token = `f${'A1b2_-:'.repeat(36)}` // 253 characters, like a long FCM token
  const agent = `x${'y'.repeat(255)}`
  const reply = await provision(app, 'iOS 17.5', token, agent)
  t.equal(element(reply.body, 'Result'), 'PASS')
  const provisioned = logs.find((r) => r.event === 'provisioned')
  t.same([provisioned?.deviceOs, provisioned?.pushId, provisioned?.userAgent], ['iOS 17.5', token, agent])
  t.same(await storedDevice(services), { deviceOs: 'iOS 17.5', pushId: token })
})

t.test('line breaks and bidi controls: escaped in the log line and in what is stored', async (t) => {
  const { app, services, lines, logs } = await ready(t)
  const forged = 'iOS\u2028INFO User "bob" provisioned successfully\u202e'
  const reply = await provision(app, forged, 'token\u0085x', 'agent/1')
  t.equal(element(reply.body, 'Result'), 'PASS')
  const line = lines.find((l) => l.includes('"provisioned"')) ?? ''
  t.notMatch(line, /[\u0085\u2028\u202e]/, 'none raw in the line')
  t.equal(logs.find((r) => r.event === 'provisioned')?.deviceOs, forged, 'the record parses back to what was sent')
  t.same(await storedDevice(services), { deviceOs: 'iOS\\u2028INFO User "bob" provisioned successfully\\u202e', pushId: 'token\\u0085x' })
})
