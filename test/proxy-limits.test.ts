import t from 'tap'
import { loadConfig } from '../src/config.js'
import { addAgent } from '../src/domain/agents.js'
import { build, element, post, sasRequest } from './helpers/build.js'

/** A ping of about `bytes`, padded with one unknown element (ignored, docs/protocol.md §2). */
const pingOf = (bytes: number) => {
  const bare = sasRequest('<Action>ping</Action><Pad></Pad>')
  return sasRequest(`<Action>ping</Action><Pad>${'x'.repeat(bytes - bare.length)}</Pad>`)
}
/** A ping with `count` elements in all, the root included. */
const pingWith = (count: number) => sasRequest(`<Action>ping</Action>${'<a>1</a>'.repeat(count - 3)}`)

t.test('the public /proxy context takes bodies of 4 KiB; the agent contexts keep 64 KiB', async (t) => {
  const { app, logs, services } = await build(t)
  t.equal(Buffer.byteLength(pingOf(4096)), 4096)
  t.equal(element((await post(app, pingOf(4096), '/proxy/AgentXML')).body, 'Result'), 'PASS', 'exactly 4 KiB')
  const over = await post(app, pingOf(4097), '/proxy/AgentXML')
  t.equal(over.statusCode, 413)
  t.match(over.headers['content-type'], /^text\/xml; charset=UTF-8/)
  t.equal(element(over.body, 'Result'), 'FAIL')
  t.equal(element(over.body, 'Error'), 'AGENT_ERROR_GENERAL')
  t.ok(logs.some((r) => r.status === 413 && r.errorCode === 'FST_ERR_CTP_BODY_TOO_LARGE'))
  // from an agent's network (this host): a body over /proxy's limit is an agent's to send
  await addAgent(services, { name: 'portal', secret: 'portal-secret' })
  t.equal(element((await post(app, pingOf(60_000), '/pinsafe/AgentXML')).body, 'Result'), 'PASS', '/pinsafe: 60 KB')
  t.equal(element((await post(app, pingOf(60_000), '/sentry/AgentXML')).body, 'Result'), 'PASS', '/sentry: 60 KB')
  t.equal((await post(app, pingOf(64 * 1024 + 1), '/pinsafe/AgentXML')).statusCode, 413)
})

t.test('a request of more than 64 elements is refused before it is parsed, on every context', async (t) => {
  const { app, logs } = await build(t)
  for (const path of ['/proxy/AgentXML', '/pinsafe/AgentXML']) {
    t.equal(element((await post(app, pingWith(64), path)).body, 'Result'), 'PASS', `${path}: 64 elements`)
    const reply = await post(app, pingWith(65), path)
    t.equal(reply.statusCode, 200)
    t.equal(element(reply.body, 'Error'), 'AGENT_ERROR_GENERAL', `${path}: 65 elements`)
  }
  t.ok(logs.some((r) => r.msg === 'AgentXML request failed, error: request has more than 64 elements and attributes'))
  // comments, processing instructions and end tags are not elements; a self-closing tag is one
  const mixed = sasRequest(`<Action>ping</Action><!-- note -->${'<a/>'.repeat(61)}<?pi x?>`)
  t.equal(element((await post(app, mixed, '/pinsafe/AgentXML')).body, 'Result'), 'PASS')
})

t.test('attributes count with elements (issue #25, item 11)', async (t) => {
  const { app, logs } = await build(t)
  const withAttributes = (count: number) => `<SASRequest version="3.6"${Array.from({ length: count - 1 }, (_, i) => ` a${i}="x=y"`).join('')}><Action>ping</Action></SASRequest>`
  for (const path of ['/proxy/AgentXML', '/pinsafe/AgentXML']) {
    t.equal(element((await post(app, withAttributes(62), path)).body, 'Result'), 'PASS', `${path}: 2 elements, 62 attributes`)
    t.equal(element((await post(app, withAttributes(63), path)).body, 'Error'), 'AGENT_ERROR_GENERAL', `${path}: 2 elements, 63 attributes`)
  }
  t.ok(logs.some((r) => r.msg === 'AgentXML request failed, error: request has more than 64 elements and attributes'))
})

t.test("on the agent contexts, an address no agent covers gets /proxy's body limit, refused before parsing (issue #25, item 11)", async (t) => {
  const { app, logs, services } = await build(t)
  await addAgent(services, { name: 'portal', secret: 'portal-secret', networks: ['10.0.0.0/8'] })
  const stranger = { remoteAddress: '203.0.113.5' }
  t.equal(element((await post(app, pingOf(4096), '/pinsafe/AgentXML', stranger)).body, 'Result'), 'PASS', 'a mobile client: 4 KiB')
  for (const path of ['/pinsafe/AgentXML', '/sentry/AgentXML']) {
    const reply = await post(app, pingOf(4097), path, stranger)
    t.equal(element(reply.body, 'Error'), 'AGENT_ERROR_GENERAL', `${path}: 4097 bytes from a stranger`)
  }
  t.ok(logs.some((r) => r.msg === 'AgentXML request failed, error: request of 4097 bytes from an address no agent covers'))
  t.equal(element((await post(app, pingOf(60_000), '/pinsafe/AgentXML', { remoteAddress: '10.1.2.3' })).body, 'Result'), 'PASS', "from the agent's network: 60 KB")
})

t.test('both limits are configurable, by flag and by variable', async (t) => {
  const { app } = await build(t, { flags: { 'proxy-body-limit': '8192', 'max-elements': '200' } })
  t.equal(element((await post(app, pingOf(8192), '/proxy/AgentXML')).body, 'Result'), 'PASS')
  t.equal((await post(app, pingOf(8193), '/proxy/AgentXML')).statusCode, 413)
  t.equal(element((await post(app, pingWith(200), '/proxy/AgentXML')).body, 'Result'), 'PASS')
  t.equal(element((await post(app, pingWith(201), '/proxy/AgentXML')).body, 'Error'), 'AGENT_ERROR_GENERAL')

  const base = { db: ':memory:' }
  t.match(loadConfig(base, {}), { proxyBodyLimit: 4096, maxElements: 64 })
  t.match(loadConfig(base, { AGENTXML_PROXY_BODY_LIMIT: '1024', AGENTXML_MAX_ELEMENTS: '32' }), { proxyBodyLimit: 1024, maxElements: 32 })
  t.throws(() => loadConfig({ ...base, 'proxy-body-limit': '100' }, {}), /--proxy-body-limit must be a number of bytes from 512 to 65536, not "100"/)
  t.throws(() => loadConfig({ ...base, 'proxy-body-limit': '4k' }, {}), /--proxy-body-limit/)
  t.throws(() => loadConfig({ ...base, 'max-elements': '3' }, {}), /--max-elements must be a number of elements from 8 to 100000, not "3"/)
})
