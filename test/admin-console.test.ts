import { createHash } from 'node:crypto'
import t from 'tap'
import { readPolicies } from '../src/domain/policy.js'
import { setAdminPassword } from '../src/domain/admins.js'
import { absoluteTimeoutMs, idleTimeoutMs } from '../src/domain/admin-sessions.js'
import { passwordCheckCounts, passwordCheckLimits } from '../src/domain/password-checks.js'
import { signInFailed } from '../src/routes/admin/sign-in.js'
import { adminPassword, ConsoleClient, seedAdmin, visibleText } from './helpers/admin.js'
import { build } from './helpers/build.js'

// scrypt and child processes are slow on a busy machine: more than tap's default per file
t.setTimeout(600_000)

t.test('without a session every page sends the browser to sign in', async (t) => {
  const { app } = await build(t)
  for (const url of ['/admin', '/admin/users', '/admin/policy', '/admin/agents', '/admin/log', '/admin/user?name=x', '/admin/nothing']) {
    const reply = await app.inject({ method: 'GET', url })
    t.equal(reply.statusCode, 303, url)
    t.equal(reply.headers.location, '/admin/sign-in', url)
  }
  const post = await app.inject({ method: 'POST', url: '/admin/policy', payload: 'provision-code-validity=900', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(post.statusCode, 303)
})

t.test('signing in and out', async (t) => {
  const { app, services, logs } = await build(t)
  await seedAdmin(services)
  const client = new ConsoleClient(app)
  const form = await client.get('/admin/sign-in')
  t.equal(form.statusCode, 200)
  t.match(form.body, '<label for="f-name">Name</label>')
  t.match(form.body, 'autocomplete="current-password"')

  const signedIn = await client.signIn()
  t.equal(signedIn.statusCode, 303)
  t.equal(signedIn.headers.location, '/admin/users')
  const setCookie = [signedIn.headers['set-cookie']].flat().find((c) => c?.startsWith('agentxml_admin=')) ?? ''
  t.match(setCookie, /HttpOnly/i)
  t.match(setCookie, /SameSite=Strict/i)
  t.match(setCookie, /Path=\/admin(;|$)/)
  t.notMatch(setCookie, /Secure/i, 'not Secure over plain http')
  t.notMatch(setCookie, /Max-Age|Expires/i, 'a browser-session cookie')

  const users = await client.get('/admin/users')
  t.equal(users.statusCode, 200)
  t.match(visibleText(users.body), 'Signed in as root')
  t.equal(logs.find((r) => r.event === 'adminSignIn')?.msg, 'Administrator "root" signed in')

  const out = await client.post('/admin/sign-out', {})
  t.equal(out.statusCode, 303)
  t.equal(out.headers.location, '/admin/sign-in?signed-out=1')
  t.notOk(client.cookies.has('agentxml_admin'), 'the cookie is cleared')
  t.ok(logs.some((r) => r.event === 'adminSignOut' && r.admin === 'root'))

  // the old token is dead on the server too, not just forgotten by the browser
  const token = /agentxml_admin=([^;]+)/.exec(setCookie)?.[1] ?? ''
  const replay = await app.inject({ method: 'GET', url: '/admin/users', headers: { cookie: `agentxml_admin=${token}` } })
  t.equal(replay.statusCode, 303)
  t.equal(replay.headers.location, '/admin/sign-in?expired=1')
})

t.test('the session cookie is Secure when the console is reached over TLS', async (t) => {
  const { app, services } = await build(t, { flags: { 'trust-proxy': '127.0.0.1' } })
  await seedAdmin(services)
  const client = new ConsoleClient(app, { headers: { 'x-forwarded-proto': 'https' } })
  const reply = await client.signIn()
  const setCookie = [reply.headers['set-cookie']].flat().find((c) => c?.startsWith('agentxml_admin=')) ?? ''
  t.match(setCookie, /; Secure/i)
  t.match(reply.headers['strict-transport-security'], /max-age=\d+/)
})

t.test('every failure gets the same words; five wrong passwords lock the account for 15 minutes', async (t) => {
  const { app, services, clock, logs } = await build(t)
  await seedAdmin(services)
  const client = new ConsoleClient(app)
  const unknown = await client.signIn('nobody', adminPassword)
  t.equal(unknown.statusCode, 403)
  t.match(visibleText(unknown.body), signInFailed)
  for (let i = 0; i < 5; i++) {
    const wrong = await client.signIn('root', 'not the password at all')
    t.equal(wrong.statusCode, 403)
    t.match(visibleText(wrong.body), signInFailed)
  }
  t.ok(logs.some((r) => r.event === 'adminLocked'), 'the lockout is logged')
  const locked = await client.signIn('root', adminPassword)
  t.equal(locked.statusCode, 403, 'the right password is refused while locked')
  t.equal(visibleText(locked.body), visibleText(unknown.body).replace(/value="[^"]*"/, ''), 'and looks like any other failure')
  t.notOk(client.cookies.has('agentxml_admin'))
  const reasons = logs.filter((r) => r.event === 'adminSignInFailed').map((r) => r.reason)
  t.same(reasons, ['unknown administrator', ...Array(5).fill('wrong password'), 'too many tries for this account'])
  t.notMatch(JSON.stringify(logs), 'not the password at all', 'a password never reaches the log')

  clock.advance(15 * 60_000)
  const after = await client.signIn('root', adminPassword)
  t.equal(after.statusCode, 303, 'signs in once the lockout is over')
})

t.test('a new password lifts the lockout and ends every session', async (t) => {
  const { app, services } = await build(t)
  await seedAdmin(services)
  const client = new ConsoleClient(app)
  t.equal((await client.signIn()).statusCode, 303)
  await setAdminPassword(services, 'root', 'another long password')
  const reply = await client.get('/admin/users')
  t.equal(reply.headers.location, '/admin/sign-in?expired=1')
  t.equal((await client.signIn('root', 'another long password')).statusCode, 303)
})

t.test("a new password lifts the account's sign-in limit: the administrator signs in at once", async (t) => {
  const { app, services, logs } = await build(t)
  await seedAdmin(services)
  // the limit is per account name, whatever the address: six tries from six addresses use it up
  for (let i = 0; i < 6; i++) await new ConsoleClient(app, { remoteAddress: `198.51.100.${i}` }).signIn('root', `a wrong guess ${i}`)
  t.equal(logs.at(-1)?.reason, 'too many tries for this account')
  await setAdminPassword(services, 'root', 'another long password')
  const client = new ConsoleClient(app, { remoteAddress: '192.0.2.10' })
  const reply = await client.signIn('root', 'another long password')
  t.equal(reply.statusCode, 303, `signed in (${String(logs.at(-1)?.reason ?? logs.at(-1)?.msg)})`)
})

t.test('one address failing over and over is turned away before the password is checked', async (t) => {
  const { app, services, logs } = await build(t)
  await seedAdmin(services)
  const attacker = new ConsoleClient(app, { remoteAddress: '192.0.2.66' })
  for (let i = 0; i < 20; i++) await attacker.signIn(`guess${i}`, 'wrong password here')
  const blocked = await attacker.signIn('root', adminPassword)
  t.equal(blocked.statusCode, 403, 'even the right password, from that address')
  t.equal(logs.at(-1)?.reason, 'too many tries from this address')
  const colleague = new ConsoleClient(app, { remoteAddress: '192.0.2.10' })
  t.equal((await colleague.signIn()).statusCode, 303, 'another address is not affected')
})

t.test('guesses sent all at once are counted before any password is checked', async (t) => {
  const { app, services, logs } = await build(t)
  await seedAdmin(services)
  // the form's cookie and hidden field, then 150 wrong passwords and the right one in one burst
  const client = new ConsoleClient(app, { remoteAddress: '192.0.2.66' })
  await client.get('/admin/sign-in')
  const burst = [...Array.from({ length: 150 }, (_, i) => `wrong password number ${i}`), adminPassword]
  const replies = await Promise.all(burst.map((password) => client.post('/admin/sign-in', { name: 'root', password })))
  t.ok(replies.every((reply) => reply.statusCode === 403), 'the right one does not get in either')
  const reasons = logs.filter((r) => r.event === 'adminSignInFailed').map((r) => r.reason)
  t.equal(reasons.length, 151, 'each refused')
  t.ok(reasons.filter((r) => r === 'wrong password').length <= 1, 'at most one password was checked: one at a time per account and address')
  t.notOk(logs.some((r) => r.event === 'adminSignIn'))

  // from many addresses, one after the other: five tries per account in 15 minutes, then no more checks
  for (let i = 0; i < 8; i++) await new ConsoleClient(app, { remoteAddress: `198.51.100.${i}` }).signIn('root', `another wrong guess ${i}`)
  const checked = logs.filter((r) => r.event === 'adminSignInFailed' && r.reason === 'wrong password').length
  t.ok(checked <= 5, `${checked} passwords checked for the account in all`)
  t.equal(logs.at(-1)?.reason, 'too many tries for this account')
})

t.test('a flood of made-up names from many addresses does not keep the administrators out (issue #25, item 8)', async (t) => {
  const { app, services, logs } = await build(t)
  await seedAdmin(services)
  await seedAdmin(services, 'ops')
  const flood = Array.from({ length: 60 }, (_, i) => new ConsoleClient(app, { remoteAddress: `198.51.100.${i}` }))
  const admins = ['root', 'ops'].map((name, i) => ({ name, client: new ConsoleClient(app, { remoteAddress: `192.0.2.${10 + i}` }) }))
  await Promise.all([...flood, ...admins.map(({ client }) => client)].map((client) => client.get('/admin/sign-in')))
  const before = { ...passwordCheckCounts }
  const replies = await Promise.all([
    ...flood.map((client, i) => client.post('/admin/sign-in', { name: i % 2 ? `nobody${i}` : `bad name ${i}`, password: 'a guessed password' })),
    ...admins.map(({ name, client }) => client.post('/admin/sign-in', { name, password: adminPassword })),
  ])
  t.same(
    replies.slice(-2).map((reply) => reply.statusCode),
    [303, 303],
    `both administrators sign in (${logs.filter((r) => r.event === 'adminSignInFailed' && /^(root|ops)$/.test(String(r.admin))).map((r) => r.reason).join(', ')})`,
  )
  t.ok(replies.slice(0, -2).every((reply) => reply.statusCode === 403 && visibleText(reply.body).includes('Sign-in failed.')), 'the flood is told what any failure is')
  const reasons = new Set(logs.filter((r) => r.event === 'adminSignInFailed').map((r) => r.reason))
  t.same([...reasons], ['unknown administrator'])
  t.ok(passwordCheckCounts.checked - before.checked <= 3, 'the made-up names took at most one turn to check (a measurement of how long a check takes)')
  t.ok(passwordCheckCounts.waited - before.waited >= 59, 'the others waited as long, without a turn')
})

t.test('more sign-ins at once than checks run wait their turn instead of being refused', async (t) => {
  const { app, services } = await build(t)
  const names = ['root', 'ops', 'alice', 'bob', 'carol']
  for (const name of names) await seedAdmin(services, name)
  const clients = names.map((name, i) => ({ name, client: new ConsoleClient(app, { remoteAddress: `192.0.2.${20 + i}` }) }))
  await Promise.all(clients.map(({ client }) => client.get('/admin/sign-in')))
  const replies = await Promise.all(clients.map(({ name, client }) => client.post('/admin/sign-in', { name, password: adminPassword })))
  t.same(replies.map((reply) => reply.statusCode), [303, 303, 303, 303, 303], `${passwordCheckLimits.running} at once, the others after`)
})

t.test('the sign-in form has its own CSRF token', async (t) => {
  const { app, services } = await build(t)
  await seedAdmin(services)
  const forged = await app.inject({
    method: 'POST',
    url: '/admin/sign-in',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ name: 'root', password: adminPassword, csrf: 'guess' }).toString(),
  })
  t.equal(forged.statusCode, 403)
  t.match(visibleText(forged.body), 'The sign-in form had expired')
  t.notMatch(String(forged.headers['set-cookie']), 'agentxml_admin=', 'no session')
})

t.test('state-changing forms need the session CSRF token', async (t) => {
  const { app, services } = await build(t)
  await seedAdmin(services)
  const client = new ConsoleClient(app)
  await client.signIn()
  await client.get('/admin/policy')
  for (const csrf of [null, '', 'wrong-token']) {
    const reply = await client.post('/admin/policy', { 'provision-code-validity': '900' }, { csrf })
    t.equal(reply.statusCode, 403, `csrf ${String(csrf)}`)
    t.match(visibleText(reply.body), 'This form has expired')
  }
  const crossSite = await client.post('/admin/policy', { 'provision-code-validity': '900' }, { headers: { 'sec-fetch-site': 'cross-site' } })
  t.equal(crossSite.statusCode, 403, 'a cross-site post is refused even with the token')
  t.equal((await readPolicies(services))['provision-code-validity'], 600, 'nothing changed')
  const ok = await client.post('/admin/policy', { 'provision-code-validity': '900' })
  t.equal(ok.statusCode, 303)
  t.equal((await readPolicies(services))['provision-code-validity'], 900)
})

t.test('the token of one session does not work for another', async (t) => {
  const { app, services } = await build(t)
  await seedAdmin(services)
  const first = new ConsoleClient(app)
  const second = new ConsoleClient(app)
  await first.signIn()
  await second.signIn()
  await first.get('/admin/policy')
  await second.get('/admin/policy')
  t.not(first.csrf, second.csrf)
  const reply = await second.post('/admin/policy', { 'provision-code-validity': '900' }, { csrf: first.csrf })
  t.equal(reply.statusCode, 403)
})

t.test('sessions end after 30 idle minutes and after 8 hours in any case', async (t) => {
  const { app, services, clock } = await build(t)
  await seedAdmin(services)
  const idle = new ConsoleClient(app)
  await idle.signIn()
  clock.advance(idleTimeoutMs - 1000)
  t.equal((await idle.get('/admin/users')).statusCode, 200, 'still there just before')
  clock.advance(idleTimeoutMs - 1000)
  t.equal((await idle.get('/admin/users')).statusCode, 200, 'activity keeps it alive')
  clock.advance(idleTimeoutMs)
  const expired = await idle.get('/admin/users')
  t.equal(expired.headers.location, '/admin/sign-in?expired=1')
  const page = await idle.get('/admin/sign-in?expired=1')
  t.match(visibleText(page.body), 'Your session has ended')

  const busy = new ConsoleClient(app)
  await busy.signIn()
  for (let elapsed = 0; elapsed < absoluteTimeoutMs - 20 * 60_000; elapsed += 20 * 60_000) {
    clock.advance(20 * 60_000)
    t.equal((await busy.get('/admin/users')).statusCode, 200)
  }
  clock.advance(20 * 60_000)
  t.equal((await busy.get('/admin/users')).headers.location, '/admin/sign-in?expired=1', 'absolute expiry')
})

t.test('strict security headers on every console response', async (t) => {
  const { app, services } = await build(t)
  await seedAdmin(services)
  const client = new ConsoleClient(app)
  const responses = [await client.get('/admin/sign-in'), await client.signIn(), await client.get('/admin/users'), await client.get('/admin/missing')]
  t.equal(responses[3]?.statusCode, 404)
  for (const reply of responses) {
    const csp = String(reply.headers['content-security-policy'])
    t.match(csp, "default-src 'none'")
    t.match(csp, "frame-ancestors 'none'")
    t.match(csp, "form-action 'self'")
    t.notMatch(csp, 'unsafe-inline')
    t.equal(reply.headers['cache-control'], 'no-store')
    t.equal(reply.headers['referrer-policy'], 'no-referrer')
    t.equal(reply.headers['x-frame-options'], 'DENY')
    t.equal(reply.headers['x-content-type-options'], 'nosniff')
  }
  const page = responses[2]?.body ?? ''
  const style = /<style>([\s\S]*?)<\/style>/.exec(page)?.[1] ?? ''
  const hash = createHash('sha256').update(style).digest('base64')
  t.match(String(responses[2]?.headers['content-security-policy']), `style-src 'sha256-${hash}'`, 'the CSP allows exactly the inline stylesheet')
  t.notMatch(page, /<script|style="/, 'no script and no style attributes')
  t.equal(responses[2]?.headers['content-type'], 'text/html; charset=utf-8')
})

t.test('the console parses forms only, and leaves the AgentXML routes alone', async (t) => {
  const { app, services } = await build(t)
  await seedAdmin(services)
  const client = new ConsoleClient(app)
  await client.signIn()
  await client.get('/admin/policy')
  const json = await client.post('/admin/policy', {}, { headers: { 'content-type': 'application/json' } })
  t.equal(json.statusCode, 415)
  t.match(json.headers['content-type'], 'text/html')
  const ping = await app.inject({
    method: 'POST',
    url: '/pinsafe/AgentXML',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: '<SASRequest><Version>3.6</Version><Action>ping</Action></SASRequest>',
  })
  t.match(ping.body, '<Result>PASS</Result>', 'AgentXML still takes a form-typed body as XML')
})
