import t from 'tap'
import { addAgent } from '../src/domain/agents.js'
import { setPolicy } from '../src/domain/policy.js'
import { adminAgentSecret } from './helpers/admin-seed.js'
import { adminPassword, ConsoleClient, seedAdmin, visibleText } from './helpers/admin.js'
import { build, element, type LogRecord, post, sasRequest } from './helpers/build.js'
import { agentSecret, seedAgent, seedUser } from './helpers/seed.js'

// a name holding U+0000 is no one's, on either engine: PostgreSQL cannot even compare one (domain/nul.ts)

t.setTimeout(600_000)

const nul = 'a\u0000b'

/** Nothing went wrong inside: no error-level line (a 500 logs its stack trace at that level). */
function assertNoErrors(t: Tap, logs: LogRecord[]) {
  const errors = logs.filter((record) => record.level >= 50)
  t.same(errors.map((record) => record.msg), [], 'no error-level line')
}
type Tap = Pick<typeof t, 'same'>

t.test('TokenIndex with a NUL in the name: 0, as for an unknown user, without a look-up', async (t) => {
  const { app, services, logs } = await build(t)
  await seedUser(services, { name: 'ab' })
  const unknown = await app.inject({ method: 'GET', url: '/proxy/TokenIndex?username=nobody' })
  const reply = await app.inject({ method: 'GET', url: '/proxy/TokenIndex?username=a%00b' })
  t.equal(reply.statusCode, 200)
  t.equal(reply.body, '0')
  t.same(reply.headers['content-type'], unknown.headers['content-type'])
  const logged = logs.filter((r) => r.event === 'tokenIndex').at(-1)
  t.equal(logged?.user, nul, 'logged as sent (JSON escapes it)')
  t.equal(logged?.reason, 'name holds U+0000')
  assertNoErrors(t, logs)
})

t.test('console sign-in with a NUL in the name: the usual failure', async (t) => {
  const { app, services, logs } = await build(t)
  await seedAdmin(services)
  const client = new ConsoleClient(app)
  const unknown = await client.signIn('nobody', adminPassword)
  const reply = await client.signIn(`root${'\u0000'}`, adminPassword)
  t.equal(reply.statusCode, 403)
  t.equal(visibleText(reply.body).replace(/value="[^"]*"/, ''), visibleText(unknown.body).replace(/value="[^"]*"/, ''))
  t.notOk(client.cookies.has('agentxml_admin'), 'not signed in')
  const failed = logs.filter((r) => r.event === 'adminSignInFailed').at(-1)
  t.equal(failed?.reason, 'unknown administrator')
  t.equal(failed?.admin, 'root\u0000')
  assertNoErrors(t, logs)
  t.equal((await client.signIn()).statusCode, 303, 'the account itself is not held up')
})

t.test('AgentXML and AdminXML cannot carry a NUL: not well-formed, AGENT_ERROR_GENERAL', async (t) => {
  const { app, services, logs } = await build(t)
  await seedAgent(services)
  await addAgent(services, { name: 'portal', secret: adminAgentSecret, admin: true })
  const login = (user: string) => post(app, sasRequest(`<Secret>${agentSecret}</Secret><Action>login</Action><Username>${user}</Username><OTC>802106</OTC>`))
  for (const user of ['a&#0;b', 'a&#x0;b', nul]) {
    const reply = await login(user)
    t.equal(element(reply.body, 'Error'), 'AGENT_ERROR_GENERAL', JSON.stringify(user))
    t.match(logs.at(-1)?.msg, /request holds a character (reference )?XML does not allow/)
  }
  const provision = await post(app, sasRequest(`<Action>provision</Action><Username>a&#0;b</Username><ProvisionCode>K7QF2M9XWD</ProvisionCode>`))
  t.equal(element(provision.body, 'Error'), 'AGENT_ERROR_GENERAL')
  const read = (name: string) => post(app, `<AdminRequest secret="${adminAgentSecret}" version="3.6"><Read><User name="${name}"/></Read></AdminRequest>`, '/pinsafe/AdminXML')
  t.match((await read('nobody')).body, '<Error>AGENT_ERROR_NO_USER_FOUND</Error>', 'the request itself is sound')
  t.match((await read('a&#0;b')).body, '<Result>FAIL</Result><Error>AGENT_ERROR_GENERAL</Error>')
  t.match(logs.at(-1)?.msg, 'request holds a character reference XML does not allow')
  assertNoErrors(t, logs)
})

t.test('the self-service form refuses a NUL as it does every control character', async (t) => {
  const { app, services, logs } = await build(t)
  await setPolicy(services.db, 'self-provision', 'yes')
  const form = await app.inject({ method: 'GET', url: '/reset/provision.jsp' })
  const cookie = String(form.headers['set-cookie'] ?? '').split(';')[0] ?? ''
  const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? ''
  const submit = (username: string) =>
    app.inject({
      method: 'POST',
      url: '/reset/provision.jsp',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ username, _csrf: token }).toString(),
    })
  const reply = await submit(nul)
  t.equal(reply.statusCode, 400)
  t.match(reply.body, 'A user name cannot contain quotes or control characters.')
  assertNoErrors(t, logs)
})

t.test('console pages given a NUL in a name answer as for a name that does not exist', async (t) => {
  const { app, services, logs } = await build(t)
  await seedAdmin(services)
  await seedUser(services, { name: 'ab' })
  const client = new ConsoleClient(app)
  t.equal((await client.signIn()).statusCode, 303)

  for (const [what, url] of [
    ['user', '/admin/user?name='],
    ['user edit', '/admin/user/edit?name='],
    ['repository', '/admin/repository?name='],
    ['agent edit', '/admin/agents/edit?name='],
  ] as const) {
    const unknown = await client.get(`${url}nobody`)
    const reply = await client.get(`${url}a%00b`)
    t.equal(reply.statusCode, unknown.statusCode, what)
    t.equal(reply.statusCode, 404, what)
  }
  await client.get('/admin/user?name=ab')
  for (const path of ['/admin/user/reprovision', '/admin/user/unlock', '/admin/user/delete']) {
    const reply = await client.post(path, { name: nul })
    t.equal(reply.statusCode, 404, path)
    t.match(visibleText(reply.body), 'User not found', path)
  }
  await client.get('/admin/agents')
  t.equal((await client.post('/admin/agents/delete', { name: nul })).statusCode, 404, 'agent delete')
  await client.get('/admin/repositories')
  t.match(visibleText((await client.post('/admin/repositories/sync', { name: nul })).body), 'not found', 'repository sync')

  const search = await client.get('/admin/users?q=a%00b')
  t.equal(search.statusCode, 200)
  t.match(visibleText(search.body), 'No user matches this search.')

  // the audit log stores the name as tried, escaped (audit.ts); the filter finds it by that name
  await app.inject({ method: 'GET', url: '/proxy/TokenIndex?username=a%00b' })
  const filtered = await client.get('/admin/log?user=a%00b')
  t.equal(filtered.statusCode, 200)
  t.match(visibleText(filtered.body), 'Token index request for user: a\\u0000b')
  for (const query of ['event=a%00b', 'source=a%00b']) t.equal((await client.get(`/admin/log?${query}`)).statusCode, 200, query)
  const csv = await client.get('/admin/log.csv?user=a%00b')
  t.equal(csv.statusCode, 200)
  t.match(csv.body, 'a\\u0000b')
  assertNoErrors(t, logs)
})
