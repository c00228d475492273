import t from 'tap'
import { loadConfig } from '../src/config.js'
import { findMessage } from '../src/db/repositories/messages.js'
import { createProvisionCode } from '../src/domain/provision-code.js'
import { createTransports } from '../src/transports/index.js'
import { deliverDue } from '../src/transports/worker.js'
import { build } from './helpers/build.js'
import { startGateway } from './helpers/http-gateway.js'
import { seedUser } from './helpers/seed.js'
import { codeIn } from './helpers/smtp.js'

const phone = '+44 7700 900123'
const apiKey = 'gw-api-key-0123456789'

async function setup(t: Tap, flags: Record<string, string | string[]>) {
  const gateway = await startGateway()
  t.teardown(() => gateway.close())
  const built = await build(t)
  await seedUser(built.services, { name: 'bob', transport: 'sms', phone, email: undefined })
  const config = loadConfig({ db: ':memory:', ...flags, 'sms-url': String(flags['sms-url']).replace('GATEWAY', gateway.url) }, {})
  return { ...built, gateway, transports: createTransports(config) }
}
type Tap = { teardown(fn: () => unknown): void }

t.test('GET: destination and message are URL-encoded into the gateway URL', async (t) => {
  const { services, gateway, transports, lines } = await setup(t, { 'sms-url': `GATEWAY/send?key=${apiKey}&to={destination}&text={message}` })
  const created = await createProvisionCode(services, 'bob', { deliver: true })
  t.same(await deliverDue(services, transports), { attempted: 1, sent: 1 })
  t.equal(gateway.requests.length, 1)
  const [request] = gateway.requests
  t.equal(request?.method, 'GET')
  t.equal(request?.url.searchParams.get('to'), phone, 'the + and spaces survive the URL')
  t.equal(codeIn(request?.url.searchParams.get('text') ?? ''), created.code)
  t.equal(request?.url.searchParams.get('key'), apiKey)
  const log = lines.join('')
  t.match(log, `Message sent to user: bob, destination: ${phone}.`)
  t.notOk(log.includes(created.code), 'the code is in no log line')
  t.notOk(log.includes(apiKey), 'the gateway key is in no log line')
})

t.test('POST JSON: the message is JSON-escaped inside the body template, headers are sent', async (t) => {
  const { services, gateway, transports, lines } = await setup(t, {
    'sms-url': 'GATEWAY/messages',
    'sms-header': [`Authorization: Bearer ${apiKey}`, 'X-Tenant: acme'],
    'sms-body': '{"to":"{destination}","text":"{message}","from":"AgentXML"}',
  })
  const created = await createProvisionCode(services, 'bob', { deliver: true })
  await deliverDue(services, transports)
  const [request] = gateway.requests
  t.equal(request?.method, 'POST', 'a body means POST')
  t.equal(request?.headers.authorization, `Bearer ${apiKey}`)
  t.equal(request?.headers['x-tenant'], 'acme')
  t.match(request?.headers['content-type'], /^application\/json/)
  const body = JSON.parse(request?.body ?? '{}') as { to: string; text: string; from: string }
  t.equal(body.to, phone)
  t.equal(body.from, 'AgentXML')
  t.equal(codeIn(body.text), created.code)
  t.match(body.text, /\n/, 'the line breaks of the message were escaped, not broken the JSON')
  t.notOk(lines.join('').includes(apiKey))
})

t.test('POST form: without a Content-Type a non-JSON body is sent form-encoded', async (t) => {
  const { services, gateway, transports } = await setup(t, { 'sms-url': 'GATEWAY/form', 'sms-body': 'to={destination}&msg={message}' })
  const created = await createProvisionCode(services, 'bob', { deliver: true })
  await deliverDue(services, transports)
  const [request] = gateway.requests
  t.equal(request?.headers['content-type'], 'application/x-www-form-urlencoded')
  const form = new URLSearchParams(request?.body ?? '')
  t.equal(form.get('to'), phone)
  t.equal(codeIn(form.get('msg') ?? ''), created.code)
})

t.test('a non-2xx answer is a failed try; the retry is delivered once', async (t) => {
  const { services, gateway, transports, clock, logs } = await setup(t, { 'sms-url': 'GATEWAY/send?to={destination}&text={message}' })
  gateway.answer(503, 200)
  const created = await createProvisionCode(services, 'bob', { deliver: true })
  t.same(await deliverDue(services, transports), { attempted: 1, sent: 0 })
  const waiting = await findMessage(services.db, created.messageId ?? 0)
  t.equal(waiting?.status, 'queued')
  t.match(waiting?.last_error, /answered HTTP 503/)
  t.same(await deliverDue(services, transports), { attempted: 0, sent: 0 }, 'not due before its delay')
  clock.advance(30_000)
  t.same(await deliverDue(services, transports), { attempted: 1, sent: 1 })
  t.same(await deliverDue(services, transports), { attempted: 0, sent: 0 })
  t.equal(gateway.requests.length, 2, 'one failed request, one delivery')
  t.equal(logs.filter((r) => r.event === 'messageSent').length, 1)
})

t.test('redirects are not followed and an unreachable gateway is a clean failure', async (t) => {
  const { services, gateway, transports } = await setup(t, { 'sms-url': 'GATEWAY/send?to={destination}&text={message}' })
  gateway.answer(302)
  const created = await createProvisionCode(services, 'bob', { deliver: true })
  await deliverDue(services, transports)
  t.equal(gateway.requests.length, 1, 'the redirect target was not asked')
  t.match((await findMessage(services.db, created.messageId ?? 0))?.last_error, /HTTP 302/)

  const gone = await startGateway()
  await gone.close()
  const closed = createTransports(loadConfig({ db: ':memory:', 'sms-url': `${gone.url}/send?key=${apiKey}&text={message}` }, {}))
  const again = await createProvisionCode(services, 'bob', { deliver: true })
  const message = await findMessage(services.db, again.messageId ?? 0)
  t.ok(message)
  await deliverDue(services, closed, { id: again.messageId })
  const reason = (await findMessage(services.db, again.messageId ?? 0))?.last_error ?? ''
  t.equal(reason, `SMS gateway ${new URL(gone.url).host}: unreachable (ECONNREFUSED)`)
  t.notOk(reason.includes(apiKey) || reason.includes(again.code), 'the reason names neither the key nor the code')
})

t.test('gateway settings are checked when the configuration is read', async (t) => {
  const config = (flags: Record<string, string | string[]>, env = {}) => () => loadConfig({ db: ':memory:', ...flags }, env)
  t.throws(config({ 'sms-url': 'ftp://gw/{message}' }), /http or https/)
  t.throws(config({ 'sms-url': 'https://gw/send', 'sms-body': '{"text":{message}}' }), /not valid JSON/)
  t.throws(config({ 'sms-url': 'https://gw/send', 'sms-method': 'GET', 'sms-body': 'x={message}' }), /POST or PUT/)
  t.throws(config({ 'sms-url': 'https://gw/send', 'sms-method': 'DELETE' }), /GET, POST or PUT/)
  t.throws(config({ 'sms-url': 'https://gw/send', 'sms-header': ['no colon here'] }), /Name: value/)
  t.throws(config({ 'sms-body': 'x={message}' }), /need --sms-url/)
  const fromEnv = loadConfig({ db: ':memory:' }, {
    AGENTXML_SMS_URL: 'https://gw.example.com/send',
    AGENTXML_SMS_METHOD: 'put',
    AGENTXML_SMS_HEADERS: 'Authorization: Basic abc\nX-One: 1\n',
    AGENTXML_SMS_BODY: '<sms to="{destination}">{message}</sms>',
  })
  t.same(fromEnv.smsHeaders, ['Authorization: Basic abc', 'X-One: 1'])
  t.equal(createTransports(fromEnv).get('sms')?.label, 'PUT gw.example.com')
})
