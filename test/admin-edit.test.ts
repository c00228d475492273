// Editing users and agents in the console, through app.inject(): the forms, their rules (the same
// as on add), CSRF, and the log lines (and so audit rows) that name what changed and who changed it.
import t from 'tap'
import { addAgent, agentList } from '../src/domain/agents.js'
import { setPolicy } from '../src/domain/policy.js'
import { describeUser, openPin, requireUser } from '../src/domain/users.js'
import { visibleText, signedIn } from './helpers/admin.js'
import { agentFor, seedUser } from './helpers/seed.js'

t.setTimeout(600_000)


const field = (body: string, name: string) => new RegExp(`<input[^>]* name="${name}"[^>]*>`).exec(body)?.[0] ?? ''

t.test("a user's page leads to the edit form, filled with what is stored, the PIN never shown", async (t) => {
  const { services, client } = await signedIn(t)
  await seedUser(services, { name: 'alice', pin: '2468' })
  const detail = await client.get('/admin/user?name=alice')
  t.match(detail.body, '<a class="button secondary" href="/admin/user/edit?name=alice">Edit…</a>')
  const form = await client.get('/admin/user/edit?name=alice')
  t.equal(form.statusCode, 200)
  t.match(form.body, '<option value="outbox" selected>outbox</option>')
  t.match(field(form.body, 'email'), 'value="alice@example.com"')
  t.match(field(form.body, 'pin'), 'type="password"')
  t.match(field(form.body, 'pin'), 'value=""', 'the PIN field starts empty')
  t.notMatch(form.body, '2468', 'the PIN is never on the page')
  t.match(visibleText(form.body), 'A PIN is set. Leave empty to keep it')
  t.match(form.body, 'name="remove-pin"')
  t.match(form.body, /name="csrf" value="[^"]+"/)

  const missing = await client.get('/admin/user/edit?name=nobody')
  t.equal(missing.statusCode, 404)
  t.match(visibleText(missing.body), 'There is no user "nobody".')
})

t.test('saving the form changes transport, addresses and PIN, with the rules of add', async (t) => {
  const { services, client, logs } = await signedIn(t)
  await seedUser(services, { name: 'alice' })
  await client.get('/admin/user/edit?name=alice')

  const stranded = await client.post('/admin/user/edit', { name: 'alice', transport: 'sms', email: 'alice@example.com', phone: '', pin: '' })
  t.equal(stranded.statusCode, 400)
  t.match(visibleText(stranded.body), 'The sms transport needs a phone number')
  t.match(stranded.body, '<option value="sms" selected>sms</option>', 'the form keeps what was typed')
  const badPin = await client.post('/admin/user/edit', { name: 'alice', transport: 'outbox', email: 'alice@example.com', phone: '', pin: '12' })
  t.equal(badPin.statusCode, 400)
  t.match(visibleText(badPin.body), 'A PIN is 4 to 10 digits')
  t.notMatch(field(badPin.body, 'pin'), 'value="12"', 'a typed PIN is not sent back')
  t.match(await describeUser(services, 'alice'), { transport: 'outbox', phone: null, hasPin: false }, 'refused forms change nothing')

  const saved = await client.post('/admin/user/edit', { name: 'alice', transport: 'sms', email: 'alice@example.com', phone: '+44 7700 900123', pin: '2468' })
  t.equal(saved.statusCode, 303)
  t.equal(saved.headers.location, '/admin/user?name=alice&updated=1')
  t.match(visibleText((await client.get(saved.headers.location ?? '')).body), 'User "alice" updated.')
  t.match(await describeUser(services, 'alice'), { transport: 'sms', phone: '+44 7700 900123', email: 'alice@example.com', hasPin: true })
  t.equal(openPin(services, await requireUser(services, 'alice')), '2468')
  const updated = logs.filter((r) => r.event === 'userUpdated')
  t.same(updated.map((r) => [r.msg, r.user, r.admin]), [['User "alice" updated: transport, phone, PIN', 'alice', 'root']], 'one line, naming who changed what')
  t.notMatch(JSON.stringify(logs), '2468', 'no PIN in any log line')

  // the same form again, untouched: nothing changes, nothing is logged; an empty PIN keeps the PIN
  await client.get('/admin/user/edit?name=alice')
  await client.post('/admin/user/edit', { name: 'alice', transport: 'sms', email: 'alice@example.com', phone: '+44 7700 900123', pin: '' })
  t.equal(logs.filter((r) => r.event === 'userUpdated').length, 1)
  t.equal(openPin(services, await requireUser(services, 'alice')), '2468')

  const both = await client.post('/admin/user/edit', { name: 'alice', transport: 'sms', email: '', phone: '+44 7700 900123', pin: '1357', 'remove-pin': 'yes' })
  t.equal(both.statusCode, 400)
  t.match(visibleText(both.body), 'A new PIN and "Remove the PIN" go separately')
  await client.post('/admin/user/edit', { name: 'alice', transport: 'sms', email: '', phone: '+44 7700 900123', pin: '', 'remove-pin': 'yes' })
  t.match(await describeUser(services, 'alice'), { email: null, hasPin: false }, 'an emptied address and the PIN are removed')
  t.equal(logs.filter((r) => r.event === 'userUpdated').at(-1)?.msg, 'User "alice" updated: email removed, PIN removed')
  t.match(visibleText((await client.get('/admin/user/edit?name=alice')).body), 'No PIN is set yet.')
})

t.test('a user added without a PIN is sent one, or (policy off) gets one on the edit form', async (t) => {
  const { services, client } = await signedIn(t)
  const add = await client.get('/admin/users/new')
  t.match(visibleText(add.body), 'leave empty to send the user a random PIN by their transport')
  const sent = await client.post('/admin/users/new', { name: 'erin', transport: 'email', email: 'erin@example.com', phone: '', pin: '' })
  t.equal(sent.statusCode, 303)
  t.equal((await describeUser(services, 'erin')).hasPin, true, 'a random PIN, queued to erin')
  await setPolicy(services.db, 'send-pin-on-create', 'no')
  const refused = await client.post('/admin/users/new', { name: 'dave', transport: 'email', email: '', phone: '', pin: '' })
  t.equal(refused.statusCode, 400, 'an email user without an address is refused on add too')
  t.match(visibleText(refused.body), 'The email transport needs an email address')
  const added = await client.post('/admin/users/new', { name: 'dave', transport: 'email', email: 'dave@example.com', phone: '', pin: '' })
  t.equal(added.statusCode, 303)
  t.equal((await describeUser(services, 'dave')).hasPin, false)
  await client.get('/admin/user/edit?name=dave')
  await client.post('/admin/user/edit', { name: 'dave', transport: 'email', email: 'dave@example.com', phone: '', pin: '975310' })
  t.equal(openPin(services, await requireUser(services, 'dave')), '975310')
})

t.test('a user added without a transport gets email when an address is given, else sms when a phone number is, else outbox', async (t) => {
  const { services, client } = await signedIn(t)
  const form = await client.get('/admin/users/new')
  t.match(form.body, /<option value="" selected>by what is given: email, else sms, else outbox<\/option>/, 'the default the form offers')
  for (const [name, email, phone] of [['erin', 'erin@example.com', ''], ['ivan', '', '+44 7700 900777'], ['olga', '', '']] as const) {
    t.equal((await client.post('/admin/users/new', { name, transport: '', email, phone, pin: '' })).statusCode, 303)
  }
  t.same(
    await Promise.all(['erin', 'ivan', 'olga'].map(async (name) => (await describeUser(services, name)).transport)),
    ['email', 'sms', 'outbox'],
  )
})

t.test('the edit forms need the CSRF token of the session', async (t) => {
  const { services, client } = await signedIn(t)
  await seedUser(services, { name: 'alice' })
  await addAgent(services, { name: 'vpn', secret: 'first-secret-123' })
  await client.get('/admin/user/edit?name=alice')
  const forms: [string, Record<string, string>][] = [
    ['/admin/user/edit', { name: 'alice', transport: 'outbox', email: '', phone: '', pin: '2468' }],
    ['/admin/agents/edit', { name: 'vpn', networks: '10.0.0.0/8', secret: 'stolen-secret-1', admin: 'yes' }],
  ]
  for (const [url, form] of forms) {
    t.equal((await client.post(url, form, { csrf: null })).statusCode, 403, `${url} without a token`)
    t.equal((await client.post(url, form, { csrf: 'forged' })).statusCode, 403, `${url} with a wrong token`)
    t.equal((await client.post(url, form, { headers: { 'sec-fetch-site': 'cross-site' } })).statusCode, 403, `${url} from another site`)
  }
  t.match(await describeUser(services, 'alice'), { email: 'alice@example.com', hasPin: false }, 'the user is unchanged')
  t.same((await agentList(services)).map((a) => [a.networks, a.admin]), [[['127.0.0.1/32', '::1/128'], false]], 'the agent is unchanged')
  t.ok(await agentFor(services, 'first-secret-123', '127.0.0.1'))
})

t.test('an agent: change its networks and AdminXML flag, type or generate a new secret', async (t) => {
  const { services, client, logs, lines } = await signedIn(t)
  await addAgent(services, { name: 'vpn', secret: 'first-secret-123' })
  const list = await client.get('/admin/agents')
  t.match(list.body, '<a href="/admin/agents/edit?name=vpn">Edit…</a>')
  const form = await client.get('/admin/agents/edit?name=vpn')
  t.equal(form.statusCode, 200)
  t.match(form.body, '>127.0.0.1/32\n::1/128</textarea>')
  t.match(field(form.body, 'secret'), 'value=""', 'the secret is write-only')
  t.notMatch(field(form.body, 'admin'), 'checked')
  t.equal((await client.get('/admin/agents/edit?name=nobody')).statusCode, 404)

  const kept = await client.post('/admin/agents/edit', { name: 'vpn', networks: '10.0.0.0/8\n192.0.2.0/24', secret: '', admin: 'yes' })
  t.equal(kept.statusCode, 303)
  t.equal(kept.headers.location, '/admin/agents?updated=vpn')
  t.match(visibleText((await client.get(kept.headers.location ?? '')).body), 'Agent "vpn" updated.')
  t.same((await agentList(services)).map((a) => [a.networks, a.admin]), [[['10.0.0.0/8', '192.0.2.0/24'], true]])
  t.ok(await agentFor(services, 'first-secret-123', '10.1.2.3'), 'an empty secret field keeps the secret')
  t.notOk(await agentFor(services, 'first-secret-123', '127.0.0.1'), 'the networks given replaced the list')

  for (const [form, problem] of [
    [{ networks: '10.0.0.0/33', secret: '' }, 'is not a network in CIDR form'],
    [{ networks: '10.0.0.0/8', secret: 'short' }, 'Agent secret must be 8 to 256 characters'],
    [{ networks: '10.0.0.0/8', secret: 'typed-secret-1', generate: 'yes' }, 'Type a new secret or have one generated, not both'],
  ] as const) {
    await client.get('/admin/agents/edit?name=vpn')
    const refused = await client.post('/admin/agents/edit', { name: 'vpn', admin: 'yes', ...form })
    t.equal(refused.statusCode, 400, problem)
    t.match(visibleText(refused.body), problem)
    t.notMatch(field(refused.body, 'secret'), /value="[^"]/, 'a typed secret is not sent back')
  }
  t.ok(await agentFor(services, 'first-secret-123', '10.1.2.3'), 'refused forms change nothing')

  await client.get('/admin/agents/edit?name=vpn')
  await client.post('/admin/agents/edit', { name: 'vpn', networks: '10.0.0.0/8', secret: 'second-secret-456' })
  t.notOk(await agentFor(services, 'first-secret-123', '10.1.2.3'), 'the old secret no longer works')
  t.ok(await agentFor(services, 'second-secret-456', '10.1.2.3'))
  t.equal((await agentList(services))[0]?.admin, false, 'an unticked box takes the AdminXML flag away')

  await client.get('/admin/agents/edit?name=vpn')
  const generated = await client.post('/admin/agents/edit', { name: 'vpn', networks: '10.0.0.0/8', secret: '', generate: 'yes' })
  t.equal(generated.statusCode, 200)
  const secret = /<code class="secret" id="agent-secret">([^<]+)<\/code>/.exec(generated.body)?.[1] ?? ''
  t.match(secret, /^[A-Za-z0-9]{32}$/, 'a strong secret, shown once')
  t.ok(await agentFor(services, secret, '10.1.2.3'))
  t.notOk(await agentFor(services, 'second-secret-456', '10.1.2.3'))

  t.same(
    logs.filter((r) => r.event === 'agentUpdated').map((r) => [r.msg, r.target, r.admin]),
    [
      ['Agent "vpn" updated: networks, admin', 'vpn', 'root'],
      ['Agent "vpn" updated: networks, secret, admin', 'vpn', 'root'],
      ['Agent "vpn" updated: secret', 'vpn', 'root'],
    ],
  )
  t.notMatch(lines.join(''), /first-secret-123|second-secret-456|typed-secret-1/, 'no secret in any log line')
  t.notMatch(lines.join(''), secret, 'not even the generated one')
})
