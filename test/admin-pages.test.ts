import t from 'tap'
import { listMessages } from '../src/db/repositories/messages.js'
import { readAuditRetentionDays } from '../src/domain/audit-retention.js'
import { policyKeys, readPolicies } from '../src/domain/policy.js'
import { describeUser, requireUser } from '../src/domain/users.js'
import { policyGroups } from '../src/routes/admin/policy.js'
import { seedAdminWorld } from './helpers/admin-seed.js'
import { visibleText, signedIn } from './helpers/admin.js'
import { agentFor, seedUser } from './helpers/seed.js'

// scrypt and child processes are slow on a busy machine: more than tap's default per file
t.setTimeout(600_000)


const rowsOf = (body: string) => [...body.matchAll(/<tr><td><a href="\/admin\/user\?name=([^"]+)"/g)].map((m) => decodeURIComponent(m[1] ?? ''))

t.test('User Management pages through users 25 at a time and searches by name', async (t) => {
  const { services, client } = await signedIn(t)
  for (let i = 1; i <= 30; i++) await seedUser(services, { name: `user${String(i).padStart(2, '0')}` })
  const first = await client.get('/admin/users')
  t.equal(rowsOf(first.body).length, 25)
  t.equal(rowsOf(first.body)[0], 'user01')
  t.match(visibleText(first.body), 'Showing 1–25 of 30 · page 1 of 2')
  const second = await client.get('/admin/users?page=2')
  t.same(rowsOf(second.body), ['user26', 'user27', 'user28', 'user29', 'user30'])
  const search = await client.get('/admin/users?q=er1')
  t.same(rowsOf(search.body), ['user10', 'user11', 'user12', 'user13', 'user14', 'user15', 'user16', 'user17', 'user18', 'user19'])
  const none = await client.get('/admin/users?q=%25')
  t.same(rowsOf(none.body), [], 'LIKE wildcards are taken literally')
  t.match(visibleText(none.body), 'No user matches this search.')
})

t.test('every name is escaped', async (t) => {
  const { services, client } = await signedIn(t)
  await seedUser(services, { name: '<img src=x onerror=alert(1)>', email: 'eve@example.com' })
  const list = await client.get('/admin/users')
  t.notMatch(list.body, '<img src=x')
  t.match(list.body, '&lt;img src=x onerror=alert(1)&gt;')
  const page = await client.get(`/admin/user?name=${encodeURIComponent('<img src=x onerror=alert(1)>')}`)
  t.equal(page.statusCode, 200)
  t.notMatch(page.body, '<img src=x')
})

t.test("a user's page shows transport, lock state, device and pending code", async (t) => {
  const { services, client } = await signedIn(t)
  await seedAdminWorld(services)
  const alice = visibleText((await client.get('/admin/user?name=alice')).body)
  t.match(alice, 'Transport outbox')
  t.match(alice, 'Lock state not locked')
  t.match(alice, 'Device bound 2026-11-28 12:00:00 UTC, DeviceOS iOS 17.5')
  t.match(alice, 'Pending provision code expires 2026-11-28 12:10:00 UTC')
  const carol = visibleText((await client.get('/admin/user?name=carol')).body)
  t.match(carol, 'Lock state locked since 2026-11-28 12:00:00 UTC, until unlocked (5 failed logins)')
  t.match(carol, 'Device no device provisioned')
  t.match(carol, 'Pending provision code none')
  const missing = await client.get('/admin/user?name=zed')
  t.equal(missing.statusCode, 404)
  t.match(visibleText(missing.body), 'There is no user "zed".')
})

t.test('Reprovision, Unlock and Delete', async (t) => {
  const { services, client, clock, logs } = await signedIn(t)
  await seedAdminWorld(services)
  await client.get('/admin/user?name=carol')
  clock.advance(60_000)
  const reprovision = await client.post('/admin/user/reprovision', { name: 'carol' })
  t.equal(reprovision.statusCode, 303)
  const after = visibleText((await client.get(reprovision.headers.location as string)).body)
  t.match(after, 'A new provision code for "carol" was created and queued to their transport.')
  t.match(after, 'Pending provision code expires 2026-11-28 12:11:00 UTC')
  const [message] = await listMessages(services.db)
  t.equal(message?.user_name, 'carol')
  t.equal(message?.destination, 'carol@example.com')
  const trail = logs.filter((r) => r.user === 'carol').map((r) => `${r.event} ${r.admin} ${r.ip}`)
  t.same(trail, ['codeCreated root 127.0.0.1', 'messageQueued root 127.0.0.1', 'canReprovision root 127.0.0.1'])

  const dave = await client.post('/admin/user/reprovision', { name: 'dave' })
  t.equal(dave.statusCode, 400)
  t.match(visibleText(dave.body), 'User "dave" has no email address for the email transport')

  const unlock = await client.post('/admin/user/unlock', { name: 'carol' })
  t.equal(unlock.statusCode, 303)
  t.equal((await describeUser(services, 'carol')).lockedAt, null)
  t.match(visibleText((await client.get(unlock.headers.location as string)).body), 'Lock state not locked (0 failed logins)')

  const confirm = await client.get('/admin/user/delete?name=alice')
  t.match(visibleText(confirm.body), 'Delete user alice?')
  await requireUser(services, 'alice')
  const removed = await client.post('/admin/user/delete', { name: 'alice' })
  t.equal(removed.headers.location, '/admin/users?deleted=alice')
  t.rejects(requireUser(services, 'alice'), 'gone')
  t.equal((await client.post('/admin/user/delete', { name: 'alice' })).statusCode, 404)
})

t.test('adding a user', async (t) => {
  const { services, client, logs } = await signedIn(t)
  await client.get('/admin/users/new')
  const bad = await client.post('/admin/users/new', { name: 'bob', transport: 'email', email: 'bob@example.com', phone: '', pin: '12' })
  t.equal(bad.statusCode, 400)
  t.match(visibleText(bad.body), 'A PIN is 4 to 10 digits')
  t.match(bad.body, 'value="bob@example.com"', 'what was typed is kept')
  t.notMatch(bad.body, 'name="pin" value="12"', 'but never the PIN')
  const noAddress = await client.post('/admin/users/new', { name: 'bob', transport: 'email', email: '', phone: '', pin: '' })
  t.match(visibleText(noAddress.body), 'The email transport needs an email address')
  const ok = await client.post('/admin/users/new', { name: 'bob', transport: 'email', email: 'bob@example.com', phone: '', pin: '2468' })
  t.equal(ok.statusCode, 303)
  t.match(visibleText((await client.get(ok.headers.location as string)).body), 'User "bob" added.')
  const bob = await describeUser(services, 'bob')
  t.equal(bob.transport, 'email')
  t.ok(bob.hasPin)
  t.ok(logs.some((r) => r.event === 'userAdded' && r.user === 'bob' && r.admin === 'root'))
  const again = await client.post('/admin/users/new', { name: 'bob', transport: 'outbox', email: '', phone: '', pin: '' })
  t.match(visibleText(again.body), 'User "bob" already exists')
})

t.test('Policy shows the docs/protocol.md §9 settings with their legacy labels', async (t) => {
  const { client } = await signedIn(t)
  const text = visibleText((await client.get('/admin/policy')).body)
  for (const label of [
    'Allow user self-provision of mobile client',
    'Log device information when provisioning',
    'Provision Code Validity period (seconds)',
    'Provision Number Is Numeric',
    'Security string type',
    'Maximum login tries',
    'Account lockout time (minutes)',
  ]) {
    t.match(text, label)
  }
  t.match(text, 'Self-Reset')
  t.same(policyGroups.flatMap(([, keys]) => keys).sort(), [...policyKeys].sort(), 'every policy in exactly one section')
})

t.test('Policy refuses 5 and 2000000 seconds with a clear message and changes nothing; 900 is stored', async (t) => {
  const { services, client, logs } = await signedIn(t)
  await client.get('/admin/policy')
  for (const value of ['5', '2000000', 'ten']) {
    const reply = await client.post('/admin/policy', { 'provision-code-validity': value, 'max-login-tries': '7' })
    t.equal(reply.statusCode, 400, value)
    t.match(visibleText(reply.body), `Provision Code Validity period (seconds) must be 10-1000000, not "${value}"`)
    t.match(reply.body, `value="${value}"`, 'the refused value is shown for correction')
    t.match(reply.body, 'aria-invalid="true"')
    const stored = await readPolicies(services)
    t.equal(stored['provision-code-validity'], 600, `${value}: validity unchanged`)
    t.equal(stored['max-login-tries'], 5, `${value}: the valid value beside it is not stored either`)
  }
  const ok = await client.post('/admin/policy', { 'provision-code-validity': '900', 'self-provision': 'yes' })
  t.equal(ok.headers.location, '/admin/policy?saved=2')
  t.match(visibleText((await client.get('/admin/policy?saved=2')).body), 'Policy saved (2 changed).')
  const stored = await readPolicies(services)
  t.equal(stored['provision-code-validity'], 900)
  t.equal(stored['self-provision'], true)
  const changes = logs.filter((r) => r.event === 'policyChanged').map((r) => r.msg)
  t.same(changes.sort(), [
    'Policy "Allow user self-provision of mobile client" set to yes',
    'Policy "Provision Code Validity period (seconds)" set to 900',
  ])
})

t.test('the log retention is set on the Policy page, 1 to 3650 days', async (t) => {
  const { services, client } = await signedIn(t)
  await client.get('/admin/policy')
  const bad = await client.post('/admin/policy', { 'audit-retention-days': '0' })
  t.equal(bad.statusCode, 400)
  t.match(visibleText(bad.body), 'Keep log entries for (days) must be 1-3650, not "0"')
  t.equal(await readAuditRetentionDays(services), 90)
  await client.post('/admin/policy', { 'audit-retention-days': '30' })
  t.equal(await readAuditRetentionDays(services), 30)
})

t.test('Agents: add shows the secret once, list, delete', async (t) => {
  const { services, client, logs } = await signedIn(t)
  await client.get('/admin/agents')
  const added = await client.post('/admin/agents', { name: 'portal', secret: '', networks: '10.0.0.0/8\n192.0.2.0/24', admin: 'yes' })
  t.equal(added.statusCode, 200)
  const secret = /id="agent-secret">([^<]+)</.exec(added.body)?.[1] ?? ''
  t.match(secret, /^[A-Za-z0-9]{32}$/, 'a generated secret')
  const agent = await agentFor(services, secret, '10.9.8.7')
  t.equal(agent?.name, 'portal')
  t.equal(agent?.admin, 1)
  const list = await client.get('/admin/agents')
  t.notMatch(list.body, secret, 'shown only once')
  t.match(visibleText(list.body), 'portal 10.0.0.0/8, 192.0.2.0/24 admin agent')
  t.notMatch(JSON.stringify(logs), secret, 'never logged')

  const typed = await client.post('/admin/agents', { name: 'vpn', secret: 'typed-secret-123', networks: '' })
  t.match(typed.body, 'typed-secret-123')
  t.equal((await agentFor(services, 'typed-secret-123', '127.0.0.1'))?.admin, 0)

  const bad = await client.post('/admin/agents', { name: 'lab', secret: 'short', networks: '10.0.0.0/33' })
  t.equal(bad.statusCode, 400)
  t.match(visibleText(bad.body), 'Agent secret must be 8 to 256 characters')
  t.notMatch(bad.body, 'value="short"', 'a refused secret is not echoed')

  await client.get('/admin/agents/delete?name=vpn')
  const removed = await client.post('/admin/agents/delete', { name: 'vpn' })
  t.equal(removed.headers.location, '/admin/agents?deleted=vpn')
  t.equal(await agentFor(services, 'typed-secret-123', '127.0.0.1'), undefined)
  t.equal((await client.post('/admin/agents/delete', { name: 'vpn' })).statusCode, 404)
})

t.test('Log: newest first, filtered by user and event, with the legacy texts', async (t) => {
  const { services, client } = await signedIn(t)
  await seedAdminWorld(services)
  await client.get('/admin/user?name=alice')
  await client.post('/admin/user/reprovision', { name: 'alice' })
  await client.post('/admin/user/unlock', { name: 'carol' })
  const all = await client.get('/admin/log')
  const messages = [...all.body.matchAll(/<td class="message"><details><summary>([^<]*)/g)].map((m) => visibleText(m[1] ?? ''))
  t.same(messages.slice(0, 4), [
    'User "carol" unlocked',
    'User "alice" can now reprovision their mobile device.',
    'Message added to message queue for user: alice, destination: alice@example.com.',
    'Provision code created for user "alice"',
  ])
  t.match(visibleText(all.body), 'Administrator "root" signed in')
  const alice = await client.get('/admin/log?user=alice')
  t.notMatch(alice.body, 'carol')
  t.match(visibleText(alice.body), 'success alice admin root 127.0.0.1')
  const codes = await client.get('/admin/log?event=codeCreated')
  const rows = [...codes.body.matchAll(/<td class="message">/g)]
  t.equal(rows.length, 1)
  t.match(codes.body, '<option value="codeCreated" selected>')
  const rootActions = visibleText((await client.get('/admin/log?user=root')).body)
  t.match(rootActions, 'User "carol" unlocked', 'the user filter also finds what an administrator did')
})
