import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { listMessages } from '../src/db/repositories/messages.js'
import { findProvisionCode } from '../src/db/repositories/provision-codes.js'
import { updateUser } from '../src/db/repositories/users.js'
import { changeDeliverySettings } from '../src/domain/delivery-admin.js'
import { setPolicy } from '../src/domain/policy.js'
import { requireUser } from '../src/domain/users.js'
import { selfServiceLimits } from '../src/routes/self-service.js'
import { build, element, post, sasRequest } from './helpers/build.js'
import { seedCode, seedUser } from './helpers/seed.js'

const path = '/reset/provision.jsp'

/** A browser session: the cookie and form token from a GET, then posts with them. */
async function session(app: FastifyInstance, at = path) {
  const page = await app.inject({ method: 'GET', url: at })
  const cookie = String(page.headers['set-cookie'] ?? '').split(';')[0] ?? ''
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
  return {
    page,
    cookie,
    token,
    submit: (username: string, extra: { headers?: Record<string, string>; remoteAddress?: string; token?: string } = {}) =>
      app.inject({
        method: 'POST',
        url: at,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...extra.headers },
        payload: new URLSearchParams({ username, _csrf: extra.token ?? token }).toString(),
        ...(extra.remoteAddress ? { remoteAddress: extra.remoteAddress } : {}),
      }),
  }
}

function assertSecurityHeaders(t: Tap, reply: LightMyRequestResponse) {
  t.match(reply.headers['content-type'], /^text\/html; charset=utf-8/)
  const csp = String(reply.headers['content-security-policy'])
  t.match(csp, /default-src 'none'/)
  t.match(csp, /frame-ancestors 'none'/)
  t.match(csp, /form-action 'self'/)
  t.match(csp, /style-src 'sha256-[A-Za-z0-9+/=]+'/)
  t.notMatch(csp, /script-src|unsafe-inline/)
  t.equal(reply.headers['x-frame-options'], 'DENY')
  t.equal(reply.headers['x-content-type-options'], 'nosniff')
  t.equal(reply.headers['referrer-policy'], 'no-referrer')
  t.equal(reply.headers['cache-control'], 'no-store')
}
type Tap = Pick<typeof t, 'match' | 'notMatch' | 'equal'>

t.test('policy off (the default): the page says self-provisioning is not enabled', async (t) => {
  const { app, services } = await build(t)
  await seedUser(services, { name: 'alice' })
  for (const url of [path, '/userportal/provision']) {
    const reply = await app.inject({ method: 'GET', url })
    t.equal(reply.statusCode, 200)
    t.match(reply.body, 'Self-provisioning is not enabled on this server.')
    t.notMatch(reply.body, /<form/)
    assertSecurityHeaders(t, reply)
  }
  const posted = await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'username=alice' })
  t.equal(posted.statusCode, 403)
  t.match(posted.body, 'not enabled')
  t.same(await listMessages(services.db), [], 'nothing was sent')
})

t.test('policy on: an accessible form, then a code is created and sent', async (t) => {
  const { app, services, logs } = await build(t)
  await setPolicy(services.db, 'self-provision', 'yes')
  await seedUser(services, { name: 'alice' })
  const browser = await session(app)
  t.equal(browser.page.statusCode, 200)
  assertSecurityHeaders(t, browser.page)
  t.match(browser.page.body, '<html lang="en">')
  t.match(browser.page.body, '<label for="username">User name</label>')
  t.match(browser.page.body, /<input id="username" name="username" type="text"[^>]* autocomplete="username"[^>]* required maxlength="128"/)
  t.match(browser.page.body, `<form method="post" action="${path}">`)
  t.match(browser.cookie, /^agentxml_csrf=[A-Za-z0-9_-]{22,}$/)
  t.match(String(browser.page.headers['set-cookie']), /HttpOnly; SameSite=Strict/)
  t.notMatch(browser.page.body, /<script/i)

  const reply = await browser.submit('alice')
  t.equal(reply.statusCode, 200)
  t.match(reply.body, 'Request received for <strong>alice</strong>.')
  t.match(reply.body, 'It is valid for 10 minutes and works once.')
  assertSecurityHeaders(t, reply)
  const [message] = await listMessages(services.db)
  t.match(message, { user_name: 'alice', destination: 'alice@example.com', status: 'queued' })
  t.same(
    logs.filter((r) => r.user === 'alice' && r.event).map((r) => r.event),
    ['selfProvisionRequested', 'codeCreated', 'messageQueued', 'canReprovision'],
  )
  t.equal(logs.find((r) => r.event === 'selfProvisionRequested')?.ip, '127.0.0.1', 'the log says who asked')
})

t.test('the same confirmation whether or not the user exists or can be sent a code', async (t) => {
  const { app, services, logs } = await build(t)
  await setPolicy(services.db, 'self-provision', 'yes')
  await seedUser(services, { name: 'alice' })
  await seedUser(services, { name: 'nomail', transport: 'email', email: undefined })
  await seedCode(services, 'nomail', 'K7QF2M9XWD')
  await seedUser(services, { name: 'nomobile' })
  await updateUser(services.db, (await requireUser(services, 'nomobile')).id, { mobile: 0 })
  const browser = await session(app)
  const bodies = new Map<string, string>()
  for (const name of ['alice', 'ghost', 'nomail', 'nomobile']) {
    const started = Date.now()
    const reply = await browser.submit(name)
    t.equal(reply.statusCode, 200, name)
    t.ok(Date.now() - started >= 290, `${name}: the answer takes the uniform minimum time`)
    bodies.set(name, reply.body.replaceAll(name, 'NAME'))
  }
  t.equal(new Set(bodies.values()).size, 1, 'every reply is the same page')
  t.same((await listMessages(services.db)).map((m) => m.user_name), ['alice'], 'only alice was sent a code')
  const nomail = await requireUser(services, 'nomail')
  t.ok(await findProvisionCode(services.db, nomail.id), 'a stranger typing a name does not withdraw a pending code')
  const refusals = logs.filter((r) => r.event === 'selfProvisionRefused').map((r) => [r.user, r.reason])
  t.same(refusals, [
    ['ghost', 'unknown user'],
    ['nomail', 'no email address for the email transport'],
    ['nomobile', 'no mobile right'],
  ])
})

t.test('cross-site posts are refused: missing or wrong token, other origin, Sec-Fetch-Site', async (t) => {
  const { app, services, logs } = await build(t)
  await setPolicy(services.db, 'self-provision', 'yes')
  await seedUser(services, { name: 'alice' })
  const browser = await session(app)

  const noCookie = await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `username=alice&_csrf=${browser.token}` })
  t.equal(noCookie.statusCode, 403)
  t.match(noCookie.body, 'This page had expired. Please send the form again.')
  t.match(noCookie.body, /name="_csrf" value="[^"]+"/, 'with a fresh form to send again')
  t.match(noCookie.body, 'value="alice"', 'keeping what was typed')
  assertSecurityHeaders(t, noCookie)

  t.equal((await browser.submit('alice', { token: 'forged-token' })).statusCode, 403)
  const other = await session(app)
  t.equal((await browser.submit('alice', { token: other.token })).statusCode, 403, "another browser's token does not fit this cookie")

  const fromElsewhere = await browser.submit('alice', { headers: { origin: 'https://evil.example' } })
  t.equal(fromElsewhere.statusCode, 403)
  t.match(fromElsewhere.body, 'This form can only be sent from its own page.')
  t.equal((await browser.submit('alice', { headers: { origin: 'null' } })).statusCode, 403)
  t.equal((await browser.submit('alice', { headers: { 'sec-fetch-site': 'cross-site' } })).statusCode, 403)
  t.equal((await browser.submit('alice', { headers: { 'sec-fetch-site': 'same-site' } })).statusCode, 403)
  t.same(await listMessages(services.db), [], 'none of them created a code')
  t.ok(logs.some((r) => r.event === 'selfProvisionCsrf'))
  t.ok(logs.some((r) => r.event === 'selfProvisionCrossSite'))

  const sameOrigin = await browser.submit('alice', { headers: { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' } })
  t.equal(sameOrigin.statusCode, 200, 'the real form, posted from its page, works')
})

t.test("behind a reverse proxy, the shared public URL's host is this site: set on any node, it applies at the next post", async (t) => {
  const { app, services } = await build(t, { sharedSettings: true })
  await setPolicy(services.db, 'self-provision', 'yes')
  await seedUser(services, { name: 'alice' })
  const browser = await session(app)
  // an older browser sends Origin and no Sec-Fetch-Site; the proxy forwards to an internal host name
  const viaProxy = { headers: { origin: 'https://auth.example.com' } }
  t.equal((await browser.submit('alice', viaProxy)).statusCode, 403, 'without a public URL, another host is another site')
  await changeDeliverySettings(services, new Map([['public-url', 'https://auth.example.com/proxy']]))
  t.equal((await browser.submit('alice', viaProxy)).statusCode, 200, "the public URL's host is the page's own site")
  t.equal((await browser.submit('alice', { headers: { origin: 'https://evil.example' } })).statusCode, 403, 'any other host still is not')
})

t.test('rate limits per address and per user name answer 429 with an HTML page', async (t) => {
  const { app, services, logs } = await build(t)
  await setPolicy(services.db, 'self-provision', 'yes')
  const { max } = selfServiceLimits
  const browser = await session(app)
  for (let i = 0; i < max; i++) t.equal((await browser.submit(`ghost${i}`, { remoteAddress: '192.0.2.1' })).statusCode, 200)
  const limited = await browser.submit('someone-else', { remoteAddress: '192.0.2.1' })
  t.equal(limited.statusCode, 429, 'one address, too many requests')
  t.match(limited.body, /Too many requests\. Please wait \d+ minutes? and try again\./)
  t.match(limited.headers['retry-after'], /^\d+$/)
  assertSecurityHeaders(t, limited)

  for (let i = 0; i < max; i++) {
    const name = i % 2 ? 'Victim' : ' victim '
    t.equal((await browser.submit(name, { remoteAddress: `198.51.100.${i + 1}` })).statusCode, 200)
  }
  const sameUser = await browser.submit('VICTIM', { remoteAddress: '203.0.113.9' })
  t.equal(sameUser.statusCode, 429, 'one user name from many addresses, too many requests')
  t.equal(logs.filter((r) => r.event === 'selfProvisionLimited').map((r) => r.limit).join(), 'address,user')
})

t.test('every input is checked: length, shape, size and type of the body', async (t) => {
  const { app, services } = await build(t)
  await setPolicy(services.db, 'self-provision', 'yes')
  const browser = await session(app)
  const cases: [string, string][] = [
    ['x'.repeat(129), 'A user name has at most 128 characters.'],
    ['   ', 'Enter your user name.'],
    ['al"ice', 'A user name cannot contain quotes or control characters.'],
    ['al\u0007ice', 'A user name cannot contain quotes or control characters.'],
  ]
  let host = 0
  // each from its own address: these posts would otherwise meet the per-address limit
  const from = () => ({ remoteAddress: `192.0.2.${++host}` })
  for (const [name, message] of cases) {
    const reply = await browser.submit(name, from())
    t.equal(reply.statusCode, 400)
    t.match(reply.body, `<p id="username-error" class="field-error">${message}</p>`)
    t.match(reply.body, 'aria-invalid="true" aria-describedby="username-error"', 'the error is tied to the field')
  }
  const twice = await app.inject({
    method: 'POST',
    url: path,
    headers: { cookie: browser.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `username=a&username=b&_csrf=${browser.token}`,
    ...from(),
  })
  t.equal(twice.statusCode, 400)
  t.match(twice.body, 'Enter one user name.')

  const huge = await app.inject({ method: 'POST', url: path, headers: { cookie: browser.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `username=${'a'.repeat(5000)}` })
  t.equal(huge.statusCode, 413)
  t.match(huge.body, 'That was too much data for this form.')
  assertSecurityHeaders(t, huge)
  const json = await app.inject({ method: 'POST', url: path, headers: { cookie: browser.cookie, 'content-type': 'application/json' }, payload: JSON.stringify({ username: 'a', _csrf: browser.token }) })
  t.equal(json.statusCode, 415)
  t.match(json.body, '<!doctype html>')
  const longToken = await browser.submit('alice', { token: 'a'.repeat(500), ...from() })
  t.equal(longToken.statusCode, 403)
  t.same(await listMessages(services.db), [])
})

t.test('whatever is echoed is HTML-escaped', async (t) => {
  const { app, services } = await build(t)
  await setPolicy(services.db, 'self-provision', 'yes')
  const browser = await session(app)
  const reply = await browser.submit("<script>alert('x')</script>&")
  t.equal(reply.statusCode, 200)
  t.notMatch(reply.body, /<script/i)
  t.match(reply.body, '&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;&#38;')
  const rejected = await browser.submit(`<img src=x onerror=alert(1)>${'x'.repeat(130)}`)
  t.notMatch(rejected.body, /<img/)
})

t.test('the AgentXML routes keep their raw-body parser beside the form plugin', async (t) => {
  const { app } = await build(t)
  const ping = sasRequest('<Action>ping</Action>')
  const reply = await post(app, ping, '/pinsafe/AgentXML', { headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(element(reply.body, 'Result'), 'PASS', 'a legacy client with a wrong content type still works')
  const other = await app.inject({ method: 'GET', url: '/no/such/page' })
  t.equal(other.statusCode, 404)
  t.match(other.headers['content-type'], /xml/, 'other paths keep the XML 404')
  t.notOk(other.headers['content-security-policy'], 'the page headers stay on the self-service routes')
})
