import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'
import { addAgent } from '../src/domain/agents.js'
import { setPolicy } from '../src/domain/policy.js'
import { build, element, post, sasRequest } from './helpers/build.js'

// behind a reverse proxy: inject's default socket address, 127.0.0.1, is the proxy
const proxy = { 'trust-proxy': '127.0.0.1' }

const reprovisionNobody = sasRequest('<Secret>corp-secret-1</Secret><Action>reprovision</Action><Username>nobody</Username>')

async function corpAgent(t: Tap, flags: Record<string, string>) {
  const built = await build(t, { flags })
  await addAgent(built.services, { name: 'corp', secret: 'corp-secret-1', networks: ['10.0.0.0/8'] })
  const ask = async (headers: Record<string, string>, remoteAddress?: string) => {
    const reply = await post(built.app, reprovisionNobody, '/pinsafe/AgentXML', { headers: { 'content-type': 'text/xml', ...headers }, ...(remoteAddress ? { remoteAddress } : {}) })
    // NO_USER_FOUND: the agent was let in (and the user is unknown); AGENT_ACCESS: it was not
    return element(reply.body, 'Error')
  }
  return { ...built, ask }
}
type Tap = Parameters<typeof build>[0]

t.test('only the address the trusted proxy saw counts: entries the client wrote on the left do not', async (t) => {
  const { ask } = await corpAgent(t, proxy)
  t.equal(await ask({ 'x-forwarded-for': '10.1.1.1, 203.0.113.7' }), 'AGENT_ERROR_AGENT_ACCESS', 'the proxy saw 203.0.113.7')
  t.equal(await ask({ 'x-forwarded-for': '203.0.113.7, 10.1.1.1' }), 'AGENT_ERROR_NO_USER_FOUND', 'the proxy saw 10.1.1.1')
  t.equal(await ask({ 'x-forwarded-for': '10.1.1.1' }), 'AGENT_ERROR_NO_USER_FOUND')
  t.equal(await ask({}), 'AGENT_ERROR_AGENT_ACCESS', 'no header: the proxy itself')
})

t.test('a peer that is not a trusted proxy is the client, whatever it writes', async (t) => {
  const { ask } = await corpAgent(t, proxy)
  t.equal(await ask({ 'x-forwarded-for': '10.1.1.1' }, '203.0.113.9'), 'AGENT_ERROR_AGENT_ACCESS')
  t.equal(await ask({ 'x-forwarded-for': '203.0.113.7' }, '10.2.2.2'), 'AGENT_ERROR_NO_USER_FOUND')
})

t.test('a chain of trusted proxies is walked from the right', async (t) => {
  const { ask } = await corpAgent(t, { 'trust-proxy': '127.0.0.1, 192.168.0.0/16' })
  t.equal(await ask({ 'x-forwarded-for': '10.1.1.1, 203.0.113.7, 192.168.4.4' }), 'AGENT_ERROR_AGENT_ACCESS')
  t.equal(await ask({ 'x-forwarded-for': '203.0.113.7, 10.1.1.1, 192.168.4.4' }), 'AGENT_ERROR_NO_USER_FOUND')
})

t.test('a hop count trusts that many proxies in front, and no more', async (t) => {
  const { ask } = await corpAgent(t, { 'trust-proxy': '2' })
  t.equal(await ask({ 'x-forwarded-for': '10.1.1.1, 203.0.113.7, 10.9.9.9' }), 'AGENT_ERROR_AGENT_ACCESS')
  t.equal(await ask({ 'x-forwarded-for': '203.0.113.7, 10.1.1.1, 203.0.113.8' }), 'AGENT_ERROR_NO_USER_FOUND')
})

t.test('without --trust-proxy the header is ignored', async (t) => {
  const { ask } = await corpAgent(t, {})
  t.equal(await ask({ 'x-forwarded-for': '10.1.1.1' }), 'AGENT_ERROR_AGENT_ACCESS')
  t.equal(await ask({}, '10.1.1.1'), 'AGENT_ERROR_NO_USER_FOUND')
})

t.test('a forwarded address that is not an IP address is refused, in XML, and never logged', async (t) => {
  const { app, lines, logs } = await corpAgent(t, proxy)
  const forged = '6.6.6.6 - User "alice" provisioned successfully'
  for (const header of [forged, `203.0.113.7, ${forged}`, 'unknown', '10.1.1.1:443', 'fe80::1%eth0']) {
    const reply = await post(app, reprovisionNobody, '/pinsafe/AgentXML', { headers: { 'content-type': 'text/xml', 'x-forwarded-for': header } })
    t.equal(reply.statusCode, 400, header)
    t.match(reply.headers['content-type'], /^text\/xml/)
    t.equal(element(reply.body, 'Error'), 'AGENT_ERROR_GENERAL')
  }
  const page = await app.inject({ method: 'GET', url: '/admin/sign-in', headers: { 'x-forwarded-for': forged } })
  t.equal(page.statusCode, 400, 'every route, not only AgentXML')
  t.notMatch(lines.join(''), 'provisioned successfully', 'the header never reaches a log line')
  t.notMatch(lines.join(''), '6.6.6.6')
  t.notMatch(lines.join(''), 'eth0')
  const refused = logs.filter((r) => r.msg === 'request refused: the forwarded client address is not an IP address')
  t.equal(refused.length, 6)
  t.ok(refused.every((r) => r.ip === '127.0.0.1'), 'logged with the address of the proxy that sent it')
})

/** The self-service form, posted as a browser behind the proxy would. */
async function selfService(app: FastifyInstance) {
  const page = await app.inject({ method: 'GET', url: '/reset/provision.jsp' })
  const cookie = String(page.headers['set-cookie'] ?? '').split(';')[0] ?? ''
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
  return (forwardedFor: string, username: string) =>
    app.inject({
      method: 'POST',
      url: '/reset/provision.jsp',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': forwardedFor },
      payload: new URLSearchParams({ username, _csrf: token }).toString(),
    })
}

t.test('the self-service limit counts the real client: rotating the header does not reset it', async (t) => {
  const { app, services, logs } = await build(t, { flags: proxy })
  await setPolicy(services.db, 'self-provision', 'yes')
  const submit = await selfService(app)
  for (let i = 0; i < 5; i++) t.equal((await submit(`192.0.2.${i + 1}, 203.0.113.7`, `ghost${i}`)).statusCode, 200)
  t.equal((await submit('192.0.2.99, 203.0.113.7', 'ghost9')).statusCode, 429, 'the same client, a new left-hand entry')
  t.equal((await submit('203.0.113.7, 198.51.100.1', 'ghost9')).statusCode, 200, 'another client of the proxy')
  const limited = logs.find((r) => r.event === 'selfProvisionLimited')
  t.equal(limited?.ip, '203.0.113.7')
  t.ok(logs.filter((r) => r.ip !== undefined).every((r) => r.ip === '203.0.113.7' || r.ip === '198.51.100.1'), 'log lines carry the real client')
})

t.test('--trust-proxy / AGENTXML_TRUST_PROXY take addresses, networks or a hop count', async (t) => {
  const base = { db: ':memory:' }
  t.same(loadConfig({ ...base, 'trust-proxy': '10.0.0.5, 10.1.0.0/16,::1' }, {}).trustProxy, { networks: ['10.0.0.5/32', '10.1.0.0/16', '::1/128'] })
  t.same(loadConfig(base, { AGENTXML_TRUST_PROXY: '1' }).trustProxy, { hops: 1 })
  t.equal(loadConfig(base, {}).trustProxy, undefined)
  t.equal(loadConfig(base, { AGENTXML_TRUST_PROXY: 'no' }).trustProxy, undefined)
  t.equal(loadConfig(base, { AGENTXML_TRUST_PROXY: '0' }).trustProxy, undefined)
  // the old boolean form trusted every address: refused with what to write instead
  t.throws(() => loadConfig(base, { AGENTXML_TRUST_PROXY: 'yes' }), new ConfigError('--trust-proxy takes the proxies to trust, e.g. 10.0.0.5,10.1.0.0/16, or a number of proxy hops, e.g. 1; "yes" would trust every address'))
  t.throws(() => loadConfig({ ...base, 'trust-proxy': true }, {}), /"yes" would trust every address/)
  t.throws(() => loadConfig({ ...base, 'trust-proxy': '10.0.0.0/33' }, {}), /--trust-proxy: "10.0.0.0\/33" is not a network/)
  t.throws(() => loadConfig({ ...base, 'trust-proxy': '10.0.0.5,' }, {}), /--trust-proxy: "" is not a network/)
  t.throws(() => loadConfig({ ...base, 'trust-proxy': '1000' }, {}), /hop count from 1 to 32/)
})
