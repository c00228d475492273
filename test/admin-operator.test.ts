import t from 'tap'
import { findAdminByName } from '../src/db/repositories/admins.js'
import { listMessages } from '../src/db/repositories/messages.js'
import { updateUser } from '../src/db/repositories/users.js'
import { removeAdmin } from '../src/domain/admin-accounts.js'
import { setPolicy } from '../src/domain/policy.js'
import { verifyPassword } from '../src/domain/passwords.js'
import { reprovisionUser } from '../src/domain/user-admin.js'
import { adminPassword, ConsoleClient, seedAdmin, visibleText, signedIn } from './helpers/admin.js'
import { build } from './helpers/build.js'
import { seedUser } from './helpers/seed.js'

// scrypt is slow on a busy machine: more than tap's default per file
t.setTimeout(600_000)


const userRows = (body: string) => [...body.matchAll(/<tr><td><a href="\/admin\/user\?name=([^"]+)"/g)].map((m) => decodeURIComponent(m[1] ?? ''))

t.test('the sign-in page says how to add the first administrator, until there is one', async (t) => {
  const { app, services } = await build(t)
  const client = new ConsoleClient(app)
  const empty = visibleText((await client.get('/admin/sign-in')).body)
  t.match(empty, 'No administrator exists yet. Add the first one on the server: npx agentxml admin add NAME')
  const failed = await client.signIn('root', adminPassword)
  t.match(visibleText(failed.body), 'npx agentxml admin add NAME', 'also after a failed try')
  await seedAdmin(services)
  t.notMatch(visibleText((await client.get('/admin/sign-in')).body), 'No administrator exists yet')
})

t.test('user search matches the name, the email address or the phone number, wildcards taken literally', async (t) => {
  const { services, client } = await signedIn(t)
  await seedUser(services, { name: 'alice', email: 'alice@north.example' })
  await seedUser(services, { name: 'bob', email: 'robert@south.example', phone: '+44 7700 900123' })
  await seedUser(services, { name: 'carol_x', email: 'c@north.example', phone: '+1 555 0100' })
  const find = async (q: string) => userRows((await client.get(`/admin/users?q=${encodeURIComponent(q)}`)).body)
  t.same(await find('north'), ['alice', 'carol_x'], 'by email')
  t.same(await find('7700 900'), ['bob'], 'by phone')
  t.same(await find('ROBERT'), ['bob'], 'ignoring case')
  t.same(await find('ali'), ['alice'], 'by name')
  t.same(await find('_'), ['carol_x'], '_ is not a wildcard')
  t.same(await find('%'), [], '% is not a wildcard')
  t.match((await client.get('/admin/users')).body, '<label for="f-q">Find users by name, email or phone</label>')
})

t.test('Unlock is offered only while a lock is in force, and refused without one', async (t) => {
  const { services, client, clock, logs } = await signedIn(t)
  const carol = await seedUser(services, { name: 'carol' })
  await seedUser(services, { name: 'dave' })
  await updateUser(services.db, carol.id, { failed_logins: 5, locked_at: services.now() })
  const unlockButton = /<button type="submit" class="secondary">Unlock<\/button>/
  t.match((await client.get('/admin/user?name=carol')).body, unlockButton, 'locked: offered')
  t.notMatch((await client.get('/admin/user?name=dave')).body, unlockButton, 'never locked: not offered')

  const refused = await client.post('/admin/user/unlock', { name: 'dave' })
  t.equal(refused.statusCode, 400)
  t.match(visibleText(refused.body), 'User "dave" is not locked')
  t.notOk(logs.some((r) => r.event === 'userUnlocked'), 'and nothing is logged as unlocked')
  t.equal((await client.post('/admin/user/unlock', { name: 'nobody' })).statusCode, 404)

  // a lock past the lockout time has lapsed: nothing left to unlock
  await setPolicy(services.db, 'lockout-time', '10')
  clock.advance(11 * 60_000)
  const lapsed = await client.get('/admin/user?name=carol')
  t.match(visibleText(lapsed.body), 'Lock state not locked')
  t.notMatch(lapsed.body, unlockButton, 'lapsed: not offered')
  clock.advance(-11 * 60_000)
  const unlocked = await client.post('/admin/user/unlock', { name: 'carol' })
  t.equal(unlocked.statusCode, 303)
  t.ok(logs.some((r) => r.event === 'userUnlocked' && r.user === 'carol' && r.admin === 'root'))
})

t.test('Queue: messages with their state, filtered by status; Retry for queued and failed ones', async (t) => {
  let wakes = 0
  const { services, client, logs } = await signedIn(t, { extra: { onMessageQueued: () => void wakes++ } })
  await seedUser(services, { name: 'alice' })
  await seedUser(services, { name: 'bob' })
  const codes = [(await reprovisionUser(services, 'alice')).code, (await reprovisionUser(services, 'bob')).code]
  const [bobMessage, aliceMessage] = await listMessages(services.db)
  // as the worker leaves a message it gave up on
  await services.db.updateTable('messages').set({ status: 'failed', last_error: 'connect ECONNREFUSED 127.0.0.1:2525' }).where('id', '=', aliceMessage?.id ?? 0).execute()

  const all = await client.get('/admin/queue')
  t.equal(all.statusCode, 200)
  const text = visibleText(all.body)
  t.match(text, `${aliceMessage?.id} 2026-11-28 12:00:00 alice outbox alice@example.com failed 0 tries connect ECONNREFUSED 127.0.0.1:2525 Retry`)
  t.match(text, `${bobMessage?.id} 2026-11-28 12:00:00 bob outbox bob@example.com queued 0 tries 2026-11-28 12:00:00 Retry`)
  t.match(text, 'Message texts are never shown')
  const failed = visibleText((await client.get('/admin/queue?status=failed')).body)
  t.match(failed, 'alice@example.com')
  t.notMatch(failed, 'bob@example.com', 'the filter applies')
  t.equal((await client.get('/admin/queue?status=lost')).statusCode, 400)
  t.match(visibleText((await client.get('/admin/queue?status=lost')).body), 'Status must be one of queued, sending, sent, failed, not "lost"')

  await client.get('/admin/queue?status=failed')
  const wakesBefore = wakes
  const retried = await client.post('/admin/queue/retry', { id: String(aliceMessage?.id), status: 'failed' })
  t.equal(retried.statusCode, 303)
  t.equal(retried.headers.location, `/admin/queue?status=failed&retried=${aliceMessage?.id}`)
  t.equal(wakes, wakesBefore + 1, 'the worker is woken for it')
  const [, again] = await listMessages(services.db)
  t.equal(again?.status, 'queued')
  t.equal(again?.next_attempt_at, services.now())
  t.match(visibleText((await client.get(retried.headers.location as string)).body), `Message ${aliceMessage?.id} is due now`)
  t.ok(logs.some((r) => r.event === 'messageRetryRequested' && r.admin === 'root' && r.user === 'alice'), 'logged with who asked')

  const missing = await client.post('/admin/queue/retry', { id: '999', status: '' })
  t.equal(missing.statusCode, 400)
  t.match(visibleText(missing.body), 'Message 999 not found')
  t.equal((await client.post('/admin/queue/retry', { id: 'x', status: '' })).statusCode, 400)
  t.equal((await client.post('/admin/queue/retry', { id: String(bobMessage?.id) }, { csrf: 'wrong' })).statusCode, 403, 'CSRF-protected')
  const sentPage = await client.get('/admin/queue')
  // the codes themselves: a pattern for any code also matches, now and then, a random CSRF token
  for (const code of codes) t.notOk(sentPage.body.includes(code), 'no provision code anywhere')
})

t.test('Administrators: add with a password twice, at least 12 characters', async (t) => {
  const { services, client, logs } = await signedIn(t)
  const page = await client.get('/admin/admins')
  t.match(visibleText(page.body), 'root you active 0')
  t.notMatch(page.body, 'href="/admin/admins/delete?name=root"', 'no Delete for yourself')

  const mismatch = await client.post('/admin/admins', { name: 'ops', password: 'a long password 1', again: 'a long password 2' })
  t.equal(mismatch.statusCode, 400)
  t.match(visibleText(mismatch.body), 'The two passwords are not the same')
  t.match(mismatch.body, 'name="name" value="ops"', 'the name is kept')
  t.notMatch(mismatch.body, 'a long password', 'the passwords are not sent back')
  const short = await client.post('/admin/admins', { name: 'ops', password: 'elevenchars', again: 'elevenchars' })
  t.match(visibleText(short.body), 'A password needs at least 12 characters')
  const badName = await client.post('/admin/admins', { name: 'o p s', password: 'a long password 1', again: 'a long password 1' })
  t.match(visibleText(badName.body), 'Administrator name "o p s" is not allowed')
  t.equal(await findAdminByName(services.db, 'ops'), undefined, 'nothing added so far')

  const added = await client.post('/admin/admins', { name: 'ops', password: 'a long password 1', again: 'a long password 1' })
  t.equal(added.statusCode, 303)
  t.match(visibleText((await client.get(added.headers.location as string)).body), 'Administrator "ops" added.')
  t.ok(await verifyPassword('a long password 1', (await findAdminByName(services.db, 'ops'))?.password_hash ?? '', services.keys))
  t.ok(logs.some((r) => r.event === 'adminAdded' && r.admin === 'root'), 'logged with who added')
  t.notMatch(JSON.stringify(logs), 'a long password', 'no password in the log')
  const twice = await client.post('/admin/admins', { name: 'ops', password: 'a long password 1', again: 'a long password 1' })
  t.match(visibleText(twice.body), 'Administrator "ops" already exists')
})

t.test('Administrators: a new password ends their sessions; your own keeps this one', async (t) => {
  const { app, services, client } = await signedIn(t)
  await seedAdmin(services, 'ops')
  const ops = new ConsoleClient(app)
  t.equal((await ops.signIn('ops')).statusCode, 303)

  await client.get('/admin/admins/password?name=ops')
  const mismatch = await client.post('/admin/admins/password', { name: 'ops', password: 'new password one', again: 'new password two' })
  t.equal(mismatch.statusCode, 400)
  t.match(visibleText(mismatch.body), 'The two passwords are not the same')
  const set = await client.post('/admin/admins/password', { name: 'ops', password: 'new password one', again: 'new password one' })
  t.equal(set.headers.location, '/admin/admins?password=ops')
  t.match(visibleText((await client.get('/admin/admins?password=ops')).body), 'The password of "ops" was changed; their sessions have ended.')
  t.equal((await ops.get('/admin/users')).headers.location, '/admin/sign-in?expired=1', 'ops is signed out')
  t.equal((await ops.signIn('ops', 'new password one')).statusCode, 303)

  const elsewhere = new ConsoleClient(app)
  await elsewhere.signIn()
  await client.get('/admin/admins/password?name=root')
  const own = await client.post('/admin/admins/password', { name: 'root', password: 'my new password', again: 'my new password' })
  t.equal(own.headers.location, '/admin/admins?own-password=1')
  const after = await client.get('/admin/admins?own-password=1')
  t.equal(after.statusCode, 200, 'still signed in here')
  t.match(visibleText(after.body), 'Your password was changed.')
  t.equal((await elsewhere.get('/admin/users')).headers.location, '/admin/sign-in?expired=1', 'but not in the other browser')
  t.equal((await client.post('/admin/admins/password', { name: 'nobody', password: 'my new password', again: 'my new password' })).statusCode, 400)
})

t.test('Administrators: delete another, never yourself, never the last one', async (t) => {
  const { app, services, client, logs } = await signedIn(t)
  await seedAdmin(services, 'ops')
  const ops = new ConsoleClient(app)
  await ops.signIn('ops')
  const list = await client.get('/admin/admins')
  t.match(list.body, 'href="/admin/admins/delete?name=ops"')

  const self = await client.get('/admin/admins/delete?name=root')
  t.equal(self.statusCode, 400)
  t.match(visibleText(self.body), 'You cannot delete your own account')
  await client.get('/admin/admins')
  const selfPost = await client.post('/admin/admins/delete', { name: 'root' })
  t.equal(selfPost.statusCode, 400)
  t.ok(await findAdminByName(services.db, 'root'), 'root is still there')

  t.match(visibleText((await client.get('/admin/admins/delete?name=ops')).body), 'Delete administrator ops?')
  const removed = await client.post('/admin/admins/delete', { name: 'ops' })
  t.equal(removed.headers.location, '/admin/admins?deleted=ops')
  t.equal(await findAdminByName(services.db, 'ops'), undefined)
  t.equal((await ops.get('/admin/users')).statusCode, 303, "ops's session ended with the account")
  t.ok(logs.some((r) => r.event === 'adminDeleted' && r.admin === 'root' && r.target === 'ops'))
  t.notMatch((await client.get('/admin/admins')).body, 'Delete…', 'the last one has no Delete')
  t.equal((await client.post('/admin/admins/delete', { name: 'ops' })).statusCode, 400, 'gone already')

  // the rule itself, as when the only other administrator was deleted a moment before
  await t.rejects(removeAdmin(services, 'root', 'ops'), { message: 'administrator "root" is the last one and cannot be deleted' })
  t.ok(await findAdminByName(services.db, 'root'))
})

t.test('the new pages are in the menu, and need a session', async (t) => {
  const { app, client } = await signedIn(t)
  const nav = /<nav aria-label="Main menu">([\s\S]*?)<\/nav>/.exec((await client.get('/admin/queue')).body)?.[1] ?? ''
  t.same([...nav.matchAll(/>([^<]+)<\/a>/g)].map((m) => m[1]), ['User Management', 'Repositories', 'Policy', 'Settings', 'Agents', 'RADIUS', 'Queue', 'Log', 'Administrators'])
  t.match(nav, '<a href="/admin/queue" aria-current="page">')
  for (const url of ['/admin/queue', '/admin/admins', '/admin/admins/password?name=root', '/admin/admins/delete?name=root', '/admin/log.csv']) {
    const reply = await app.inject({ method: 'GET', url })
    t.equal(reply.headers.location, '/admin/sign-in', url)
  }
  for (const url of ['/admin/queue/retry', '/admin/admins', '/admin/admins/password', '/admin/admins/delete']) {
    const reply = await client.post(url, { name: 'root', id: '1' }, { csrf: null })
    t.equal(reply.statusCode, 403, `${url} needs the CSRF token`)
  }
})
