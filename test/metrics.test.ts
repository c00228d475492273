import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { insertMessage } from '../src/db/repositories/messages.js'
import type { MessageStatus } from '../src/db/schema/index.js'
import { createMetrics, queueDepthMaxAgeMs } from '../src/metrics.js'
import { startMetricsListener } from '../src/metrics-listener.js'
import { notFoundBody } from '../src/routes/replies.js'
import { build, type Built } from './helpers/build.js'

// Metrics move with what anonymous callers do to one user (a self-service request queues a
// message for a user who exists only), so they are never on the public port: a listener of its
// own (--metrics [HOST:]PORT), off unless asked for, with a bearer token where it is not the loopback.

const token = 'scrape-token-0123456789abcdef'

async function tokenFile(t: Tap, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'agentxml-metrics-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'token')
  await writeFile(file, text)
  return file
}

interface Tap {
  teardown(fn: () => unknown): void
}

/** A metrics listener on a free loopback port for the built app's services. */
async function listener(t: Tap, built: Built, options: { host?: string; token?: string } = {}) {
  const metrics = createMetrics(built.services.db, { now: built.clock.now })
  const started = await startMetricsListener(metrics, { host: options.host ?? '127.0.0.1', port: 0, token: options.token }, built.services.log)
  t.teardown(() => started.close())
  return { metrics, url: started.url.replace('0.0.0.0', '127.0.0.1') }
}

const queued = (status: MessageStatus, user = 'alice') => ({
  user_name: user,
  transport: 'outbox',
  destination: `${user}@example.com`,
  subject: 's',
  body: null,
  status,
  next_attempt_at: 0,
  created_at: 0,
})

t.test('the public listener answers /metrics as any unknown path: 404 in XML, whatever --metrics says', async (t) => {
  const built = await build(t)
  for (const flags of [{}, { metrics: '127.0.0.1:9464' }]) {
    const config = loadConfig({ db: ':memory:', outbox: '/dev/null', ...flags }, {})
    const app = await buildApp({ config, services: { ...built.services, metrics: createMetrics(built.services.db) } })
    t.teardown(() => app.close())
    for (const method of ['GET', 'HEAD'] as const) {
      const reply = await app.inject({ method, url: '/metrics' })
      t.equal(reply.statusCode, 404, `${method} ${JSON.stringify(flags)}`)
      t.match(reply.headers['content-type'], /^text\/xml/)
      if (method === 'GET') t.equal(reply.body, notFoundBody())
    }
  }
})

t.test('--metrics: off unless given, HOST defaults to the loopback; `on` is refused with what to write instead', async (t) => {
  const config = (flags: Record<string, string>, env: NodeJS.ProcessEnv = {}) => loadConfig({ db: ':memory:', ...flags }, env).metrics
  t.equal(config({}), undefined)
  t.equal(config({ metrics: 'off' }), undefined)
  t.equal(config({}, { AGENTXML_METRICS: '' }), undefined)
  t.same(config({ metrics: '9464' }), { host: '127.0.0.1', port: 9464, token: undefined })
  t.same(config({}, { AGENTXML_METRICS: '10.0.0.5:9464' }), { host: '10.0.0.5', port: 9464, token: undefined })
  t.same(config({ metrics: '[::1]:0' }), { host: '::1', port: 0, token: undefined })
  t.throws(() => config({ metrics: 'on' }), /--metrics on is gone: metrics have a listener of their own, --metrics \[HOST:\]PORT/)
  t.throws(() => config({}, { AGENTXML_METRICS: 'on' }), /--metrics on is gone/)
  for (const bad of ['yes', '127.0.0.1:', ':9464', '70000', 'host:port']) t.throws(() => config({ metrics: bad }), /--metrics must be a port/, bad)
})

t.test('--metrics-token-file: the token is the file less one trailing newline; 16 printable characters at least; only with --metrics', async (t) => {
  const config = (flags: Record<string, string>, env: NodeJS.ProcessEnv = {}) => loadConfig({ db: ':memory:', ...flags }, env).metrics
  t.equal(config({ metrics: '9464', 'metrics-token-file': await tokenFile(t, `${token}\n`) })?.token, token)
  t.equal(config({ metrics: '9464' }, { AGENTXML_METRICS_TOKEN_FILE: await tokenFile(t, token) })?.token, token)
  t.throws(() => config({ 'metrics-token-file': '/nonexistent' }), /--metrics-token-file needs --metrics/)
  t.throws(() => config({ metrics: '9464', 'metrics-token-file': '/nonexistent/token' }), /--metrics-token-file \/nonexistent\/token: no such file/)
  t.throws(() => config({ metrics: '9464', 'metrics-token-file': '' }), /--metrics-token-file needs a value/)
  for (const bad of ['short', `${token} with spaces`, '']) {
    const file = await tokenFile(t, bad)
    t.throws(() => config({ metrics: '9464', 'metrics-token-file': file }), /the token must be 16 to 256 printable ASCII characters/, JSON.stringify(bad))
  }
})

t.test('the metrics listener serves GET /metrics alone, in the Prometheus text format', async (t) => {
  const built = await build(t)
  const { metrics, url } = await listener(t, built)
  metrics.request('ping', 'PASS', '', 0.001)
  const scraped = await fetch(url)
  t.equal(scraped.status, 200)
  t.match(scraped.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  t.equal(scraped.headers.get('cache-control'), 'no-store')
  t.match(await scraped.text(), /^agentxml_requests_total\{action="ping",result="PASS",error=""\} 1$/m)
  t.equal((await fetch(url, { method: 'HEAD' })).status, 200)
  t.equal((await fetch(url.replace('/metrics', '/'))).status, 404)
  t.equal((await fetch(url.replace('/metrics', '/proxy/AgentXML'), { method: 'POST', body: '<x/>' })).status, 404)
  t.equal((await fetch(url, { method: 'POST' })).status, 404)
  t.notOk(built.logs.some((r) => r.level === 40 && r.msg.includes('without --metrics-token-file')), 'no warning on the loopback')
})

t.test('with a token, a scrape needs Authorization: Bearer and that token', async (t) => {
  const built = await build(t)
  const { url } = await listener(t, built, { token })
  const status = async (authorization?: string) => (await fetch(url, authorization ? { headers: { authorization } } : {})).status
  const refused = await fetch(url)
  t.equal(refused.status, 401)
  t.equal(refused.headers.get('www-authenticate'), 'Bearer realm="agentxml metrics"')
  t.notMatch(await refused.text(), /agentxml_/)
  t.equal(await status(`Bearer ${token}x`), 401, 'longer')
  t.equal(await status(`Bearer ${token.slice(0, -1)}`), 401, 'shorter')
  t.equal(await status(`Basic ${Buffer.from(`x:${token}`).toString('base64')}`), 401, 'another scheme')
  t.equal(await status('Bearer '), 401, 'empty')
  t.equal(await status(`Bearer ${token}`), 200)
  t.equal(await status(`bearer ${token}`), 200, 'the scheme in any case')
})

t.test('a listener beyond the loopback without a token is warned of at start', async (t) => {
  const built = await build(t)
  await listener(t, built, { host: '0.0.0.0' })
  t.ok(built.logs.some((r) => r.level === 40 && /^metrics on http:\/\/0\.0\.0\.0:\d+\/metrics without --metrics-token-file/.test(r.msg)))
})

t.test('the queue depth: unsent statuses only, read at most every 15 s however often it is scraped', async (t) => {
  const built = await build(t)
  const { db } = built.services
  const { url } = await listener(t, built)
  const depth = async () => {
    const text = await (await fetch(url)).text()
    return Object.fromEntries([...text.matchAll(/^agentxml_queue_messages\{status="([a-z]+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]))
  }
  for (const status of ['queued', 'queued', 'sending', 'failed', 'sent', 'sent', 'sent'] as const) await insertMessage(db, queued(status))
  t.same(await depth(), { queued: 2, sending: 1, failed: 1 }, 'sent messages are history, not queue depth')
  await insertMessage(db, queued('queued', 'bob'))
  t.same(await depth(), { queued: 2, sending: 1, failed: 1 }, 'the figure read a moment ago')
  built.clock.advance(queueDepthMaxAgeMs - 1)
  t.same(await depth(), { queued: 2, sending: 1, failed: 1 })
  built.clock.advance(1)
  t.same(await depth(), { queued: 3, sending: 1, failed: 1 }, 'read again once it is 15 s old')
})
