import t from 'tap'
import { listMessages } from '../src/db/repositories/messages.js'
import { findProvisionCode } from '../src/db/repositories/provision-codes.js'
import { addAgent } from '../src/domain/agents.js'
import { requireUser } from '../src/domain/users.js'
import { decrypt } from '../src/secrets.js'
import { build, element, post, sasRequest } from './helpers/build.js'
import { agentSecret, seedAgent, seedUser } from './helpers/seed.js'

// Spec §4 and §3.3: who may send an agent action, from where, on which context.

/** `null`: no Secret element at all. */
const reprovision = (user = 'alice', secret: string | null = agentSecret) =>
  sasRequest(`${secret === null ? '' : `<Secret>${secret}</Secret>`}<Action>reprovision</Action><Username>${user}</Username>`)
const outcome = (body: string) => `${element(body, 'Result')}${element(body, 'Error') ? ` ${element(body, 'Error')}` : ''}`
const refusedLine = 'AgentXML request failed, error: The agent is not authorised to access the server.'

t.test('an agent is matched by its network and its secret', async (t) => {
  const { app, services } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedAgent(services, ['10.0.0.0/8', '2001:db8::/32', '127.0.0.1/32'])
  const cases: [string, string | null, string][] = [
    ['10.1.2.3', agentSecret, 'PASS'],
    ['10.255.255.255', agentSecret, 'PASS'],
    ['2001:db8:1::5', agentSecret, 'PASS'],
    ['2001:DB8::1', agentSecret, 'PASS'],
    ['::ffff:127.0.0.1', agentSecret, 'PASS'],
    ['::ffff:10.9.8.7', agentSecret, 'PASS'],
    ['127.0.0.1', agentSecret, 'PASS'],
    ['11.0.0.1', agentSecret, 'FAIL AGENT_ERROR_AGENT_ACCESS'],
    ['2001:db9::1', agentSecret, 'FAIL AGENT_ERROR_AGENT_ACCESS'],
    ['::ffff:11.0.0.1', agentSecret, 'FAIL AGENT_ERROR_AGENT_ACCESS'],
    ['::1', agentSecret, 'FAIL AGENT_ERROR_AGENT_ACCESS'],
    ['10.1.2.3', 'agent-secret-124', 'FAIL AGENT_ERROR_AGENT_ACCESS'],
    ['10.1.2.3', agentSecret.toUpperCase(), 'FAIL AGENT_ERROR_AGENT_ACCESS'],
    ['10.1.2.3', `${agentSecret}x`, 'FAIL AGENT_ERROR_AGENT_ACCESS'],
    ['10.1.2.3', '', 'FAIL AGENT_ERROR_AGENT_ACCESS'],
    ['10.1.2.3', null, 'FAIL AGENT_ERROR_AGENT_ACCESS'],
  ]
  for (const [remoteAddress, secret, expected] of cases) {
    const reply = await post(app, reprovision('alice', secret), '/pinsafe/AgentXML', { remoteAddress })
    t.equal(outcome(reply.body), expected, `${remoteAddress} with ${secret === null ? 'no secret' : `secret "${secret}"`}`)
  }
})

t.test('with two agents, each secret works only from its own networks', async (t) => {
  const { app, services } = await build(t)
  await seedUser(services, { name: 'alice' })
  await addAgent(services, { name: 'vpn', secret: 'vpn-secret-0001', networks: ['192.0.2.0/24'] })
  await addAgent(services, { name: 'portal', secret: 'portal-secret-01', networks: ['198.51.100.7'] })
  const send = (secret: string, remoteAddress: string) => post(app, reprovision('alice', secret), '/sentry/AgentXML', { remoteAddress })
  t.equal(outcome((await send('vpn-secret-0001', '192.0.2.44')).body), 'PASS', 'vpn from its network')
  t.equal(outcome((await send('portal-secret-01', '198.51.100.7')).body), 'PASS', 'portal from its address')
  t.equal(outcome((await send('vpn-secret-0001', '198.51.100.7')).body), 'FAIL AGENT_ERROR_AGENT_ACCESS', "vpn's secret from portal's address")
  t.equal(outcome((await send('portal-secret-01', '192.0.2.44')).body), 'FAIL AGENT_ERROR_AGENT_ACCESS', "portal's secret from vpn's network")
  t.equal(outcome((await send('portal-secret-01', '198.51.100.8')).body), 'FAIL AGENT_ERROR_AGENT_ACCESS', 'a bare address is a /32')
})

t.test('a refused agent gets the exact log line, with the source address, and nothing happens', async (t) => {
  const { app, services, logs, lines } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedAgent(services)
  const reply = await post(app, reprovision('alice', 'wrong-secret-99'), '/pinsafe/AgentXML', { remoteAddress: '203.0.113.9' })
  t.equal(outcome(reply.body), 'FAIL AGENT_ERROR_AGENT_ACCESS')
  const line = logs.find((r) => r.event === 'agentRefused')
  t.equal(line?.msg, refusedLine)
  t.equal(line?.ip, '203.0.113.9', 'the source address is a field of the line')
  t.equal(await findProvisionCode(services.db, (await requireUser(services, 'alice')).id), undefined, 'no code was created')
  t.same(await listMessages(services.db), [], 'nothing was queued')
  t.notOk(lines.some((l) => l.includes('wrong-secret-99')), 'the presented secret is not logged')
})

t.test('reprovision queues a new code to the user and logs created, queued, can-now-reprovision', async (t) => {
  const { app, services, logs, lines } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedAgent(services)
  const reply = await post(app, reprovision())
  t.equal(outcome(reply.body), 'PASS')
  t.same([...reply.body.matchAll(/<(\w+)>/g)].map((m) => m[1]), ['SASResponse', 'Version', 'Result'], 'the reply adds nothing: the code is never in it')

  const events = logs.filter((r) => r.user === 'alice').map((r) => r.event)
  t.same(events, ['codeCreated', 'messageQueued', 'canReprovision'], 'in this order')
  t.same(
    logs.filter((r) => r.user === 'alice').map((r) => r.msg),
    ['Provision code created for user "alice"', 'Message added to message queue for user: alice, destination: alice@example.com.', 'User "alice" can now reprovision their mobile device.'],
    'the legacy texts',
  )
  t.ok(logs.filter((r) => r.user === 'alice').every((r) => r.agent === 'test-agent' && r.ip === '127.0.0.1'), 'each names the agent and the source')

  const messages = await listMessages(services.db)
  t.equal(messages.length, 1, 'one message queued')
  t.equal(messages[0]?.status, 'queued')
  t.equal(messages[0]?.destination, 'alice@example.com')
  const body = decrypt(services.keys, messages[0]?.body ?? Buffer.alloc(0), 'message')
  const code = /is ([A-Z2-9]{10})\n/.exec(body)?.[1] ?? ''
  t.match(code, /^[A-HJKMNP-Z2-9]{10}$/, 'the message carries a code of the default format')
  t.notOk(lines.some((line) => line.includes(code)), 'the code is in no log line')
  t.notOk(lines.some((line) => line.includes(agentSecret)), 'nor is the agent secret')

  const provision = await post(app, sasRequest(`<Action>provision</Action><Username>alice</Username><ProvisionCode>${code}</ProvisionCode>`), '/proxy/AgentXML')
  t.equal(outcome(provision.body), 'PASS', 'the queued code provisions the device')
})

t.test('reprovision of an unknown user: AGENT_ERROR_NO_USER_FOUND', async (t) => {
  const { app, services, logs } = await build(t)
  await seedAgent(services)
  const reply = await post(app, reprovision('qwerty'))
  t.equal(outcome(reply.body), 'FAIL AGENT_ERROR_NO_USER_FOUND')
  t.equal(
    logs.find((r) => r.event === 'noAuthMethod')?.msg,
    'AgentXML request failed, error: No suitable authentication method for the user "qwerty" was found. The user may be missing from the user repository or a synchronisation has not yet occurred.',
  )
  t.same(await listMessages(services.db), [], 'nothing was queued')
})

t.test('reprovision on /proxy is refused even with the right secret from the right network', async (t) => {
  const { app, services, logs } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedAgent(services)
  const reply = await post(app, reprovision(), '/proxy/AgentXML')
  t.equal(outcome(reply.body), 'FAIL AGENT_ERROR_AGENT_ACCESS')
  const refused = logs.filter((r) => r.event === 'agentRefused')
  t.equal(refused.length, 1)
  t.equal(refused[0]?.msg, refusedLine, 'the exact line')
  t.equal(logs.filter((r) => r.event === 'codeCreated').length, 0, 'no code created')
  t.same(await listMessages(services.db), [], 'nothing was queued')
})

t.test('mobile actions need no secret in any context', async (t) => {
  const { app } = await build(t)
  for (const path of ['/pinsafe/AgentXML', '/sentry/AgentXML', '/proxy/AgentXML']) {
    t.equal(outcome((await post(app, sasRequest('<Action>ping</Action>'), path, { remoteAddress: '203.0.113.9' })).body), 'PASS', `ping on ${path}`)
    const strings = await post(app, sasRequest('<Action>SecurityStrings</Action><Id>0123456789abcdef0123456789abcdef</Id>'), path, { remoteAddress: '203.0.113.9' })
    t.equal(outcome(strings.body), 'FAIL AGENT_ERROR_NO_USER_FOUND', `SecurityStrings on ${path} reaches the action`)
  }
})
