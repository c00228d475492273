import t from 'tap'
import { listMessages } from '../src/db/repositories/messages.js'
import { openPin, requireUser } from '../src/domain/users.js'
import { decrypt } from '../src/secrets.js'
import { adminAgentSecret, seedAdminWorld } from './helpers/admin-seed.js'
import { build, element, post } from './helpers/build.js'

const adminRequest = (body: string, secret = adminAgentSecret) => `<AdminRequest secret="${secret}" version="3.6">${body}</AdminRequest>`

t.test('Update changes the PIN; Read tells only that there is one', async (t) => {
  const { app, services, lines } = await build(t)
  await seedAdminWorld(services)
  const reply = await post(app, adminRequest('<Update><User name="alice"><PIN>8531</PIN></User></Update><Read><User name="alice"/></Read>'), '/pinsafe/AdminXML')
  t.equal(element(reply.body, 'Result'), 'PASS')
  t.equal(openPin(services, await requireUser(services, 'alice')), '8531')
  t.notMatch(reply.body, '8531', 'the PIN is not in the reply')
  t.notMatch(lines.join(''), '8531', 'nor in the log')
  t.match(reply.body, '<HasPIN>true</HasPIN>')
})

t.test('Reprovision queues a code to the transport and never returns it', async (t) => {
  const { app, services, logs } = await build(t)
  await seedAdminWorld(services)
  const reply = await post(app, adminRequest('<Reprovision><User name="alice"/></Reprovision>'), '/pinsafe/AdminXML')
  t.equal(element(reply.body, 'Result'), 'PASS')
  const [message] = await listMessages(services.db)
  t.equal(message?.user_name, 'alice')
  t.equal(message?.destination, 'alice@example.com')
  const body = message?.body ? decrypt(services.keys, message.body, 'message') : ''
  const code = /[A-HJ-NP-Z2-9]{10}/.exec(body)?.[0] ?? ''
  t.match(code, /^[A-HJ-NP-Z2-9]{10}$/, 'the message holds a code')
  t.notMatch(reply.body, code, 'the reply does not')
  const events = logs.filter((r) => r.user === 'alice').map((r) => [r.event, r.agent])
  t.same(events, [
    ['codeCreated', 'portal'],
    ['messageQueued', 'portal'],
    ['canReprovision', 'portal'],
  ])
})

t.test('a body from an address no admin agent covers is refused before it is parsed (issue #25, item 11)', async (t) => {
  const { app, services, logs } = await build(t)
  await seedAdminWorld(services)
  // 64 KiB of attributes: what cost 71 ms of parsing before any secret was checked
  const heavy = `<AdminRequest version="3.6"${' a="x"'.repeat(10_000)}><Read><User name="alice"/></Read></AdminRequest>`
  const malformed = '<AdminRequest version="3.6"><Read>'
  for (const body of [heavy, malformed]) {
    const reply = await post(app, body, '/pinsafe/AdminXML', { remoteAddress: '203.0.113.5' })
    t.equal(element(reply.body, 'Error'), 'AGENT_ERROR_AGENT_ACCESS', 'refused as any stranger is, unparsed')
  }
  t.equal(logs.filter((r) => r.event === 'agentRefused').length, 2)
  const local = await post(app, malformed, '/pinsafe/AdminXML')
  t.equal(element(local.body, 'Error'), 'AGENT_ERROR_GENERAL', "from an admin agent's network it is parsed, and refused as malformed")
})

t.test('only admin agents, from their networks, on the agent contexts', async (t) => {
  const { app, services, logs } = await build(t)
  await seedAdminWorld(services)
  const read = adminRequest('<Read><User name="alice"/></Read>')
  const elsewhere = await post(app, read, '/pinsafe/AdminXML', { remoteAddress: '10.1.2.3' })
  t.equal(element(elsewhere.body, 'Error'), 'AGENT_ERROR_AGENT_ACCESS', 'the right secret from another network')
  const refused = logs.filter((r) => r.event === 'agentRefused')
  t.equal(refused.length, 1)
  t.equal(refused[0]?.msg, 'AgentXML request failed, error: The agent is not authorised to access the server.')
  t.equal(refused[0]?.ip, '10.1.2.3')

  const proxy = await post(app, read, '/proxy/AdminXML')
  t.equal(proxy.statusCode, 404, 'not on the public proxy context')
  t.match(proxy.body, /^<\?xml/)
  t.notMatch(proxy.body, 'alice')

  const getIt = await app.inject({ method: 'GET', url: '/pinsafe/AdminXML' })
  t.equal(getIt.statusCode, 404)
})

t.test('the AgentXML wire rules apply', async (t) => {
  const { app, services } = await build(t)
  await seedAdminWorld(services)
  const big = adminRequest(`<Read><User name="alice"/></Read>${' '.repeat(70 * 1024)}`)
  const tooBig = await post(app, big, '/pinsafe/AdminXML')
  t.equal(tooBig.statusCode, 413)
  t.match(tooBig.body, '<Result>FAIL</Result>')

  const deep = adminRequest(`${'<Read>'.repeat(40)}${'</Read>'.repeat(40)}`)
  t.equal(element((await post(app, deep, '/pinsafe/AdminXML')).body, 'Error'), 'AGENT_ERROR_GENERAL', 'too deep')

  const latin1 = Buffer.concat([Buffer.from(adminRequest('<Create><User name="j')), Buffer.from([0xe9]), Buffer.from('"/></Create>')])
  t.equal(element((await post(app, latin1, '/pinsafe/AdminXML')).body, 'Error'), 'AGENT_ERROR_GENERAL', 'not UTF-8')

  const formType = await post(app, adminRequest('<Read><User name="alice"/></Read>'), '/pinsafe/AdminXML', {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  })
  t.equal(element(formType.body, 'Result'), 'PASS', 'a wrong content type is still read as XML')

  const references = await post(app, adminRequest('<Create><User name="j&#233;r&#xF4;me"><Destination>j&amp;m@example.com</Destination></User></Create>'), '/pinsafe/AdminXML')
  t.match(references.body, '<Create user="jérôme"><Result>PASS</Result>', 'character references are decoded')
  t.equal((await requireUser(services, 'jérôme')).email, 'j&m@example.com')
})

t.test('operations run in document order, each on its own', async (t) => {
  const { app, services } = await build(t)
  await seedAdminWorld(services)
  const reply = await post(
    app,
    adminRequest('<Create><User name="bob"/></Create><Update><User name="bob"><PIN>1</PIN></User></Update><Update><User name="bob"><PIN>4821</PIN></User></Update><Delete><User name="carol"/></Delete>'),
    '/pinsafe/AdminXML',
  )
  const results = [...reply.body.matchAll(/<(\w+) user="(\w+)"><Result>(\w+)<\/Result>/g)].map((m) => m.slice(1).join(' '))
  t.same(results, ['Create bob PASS', 'Update bob FAIL', 'Update bob PASS', 'Delete carol PASS'])
  t.equal(openPin(services, await requireUser(services, 'bob')), '4821', 'the failed update did not stop the next')
  t.equal(element(reply.body, 'Result'), 'FAIL', 'the request as a whole passed only partly')
})
