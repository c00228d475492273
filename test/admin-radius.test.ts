// The console's RADIUS page (PINsafe's "RADIUS NAS", issue #24 item 3), through app.inject(): the
// NAS list, add, edit and delete forms, the same refusals as `agentxml nas`, the shared secret
// sealed and never on a page or in a log line, CSRF, escaping, and an audit row naming the administrator.
import t from 'tap'
import { findNasByName } from '../src/db/repositories/nas-clients.js'
import { addNas, learnMessageAuthenticator, listNas, nasSecret, showNas } from '../src/domain/nas-clients.js'
import type { Services } from '../src/domain/services.js'
import { ConsoleClient, seedAdmin, signedIn, visibleText } from './helpers/admin.js'
import { build } from './helpers/build.js'

t.setTimeout(600_000)

const secret = 'vpn-shared-secret-0123456789'
const form = { name: 'vpn', networks: '192.0.2.0/24\n2001:db8::/64', secret, identifier: 'vpn-gw-1', messageAuthenticator: 'required', groups: '', groupFormat: '' }

const field = (body: string, name: string) => new RegExp(`<input[^>]* name="${name}"[^>]*>`).exec(body)?.[0] ?? ''

/** The secret as packets are checked with it: opened from the sealed row with the master key. */
async function openedSecret(services: Services, name: string): Promise<string | undefined> {
  const row = await findNasByName(services.db, name)
  return row && nasSecret(services.keys, row).toString()
}

/** Every value of the NAS's row as text (the sealed secret as its raw bytes). */
async function rowText(services: Services, name: string): Promise<string> {
  const row = await findNasByName(services.db, name)
  return Object.values(row ?? {}).map((value) => (Buffer.isBuffer(value) ? value.toString('latin1') : String(value))).join('\n')
}

const nasRows = async (services: Services) => {
  await services.flushAudit?.()
  return services.db.selectFrom('audit_log').select(['event', 'message', 'actor', 'actor_type', 'outcome']).where('event', 'like', 'nas%').orderBy('id').execute()
}

t.test('without a session the RADIUS pages send the browser to sign in', async (t) => {
  const { app } = await build(t)
  for (const url of ['/admin/radius', '/admin/radius/edit?name=vpn', '/admin/radius/delete?name=vpn']) {
    const reply = await app.inject({ method: 'GET', url })
    t.equal(reply.statusCode, 303, url)
    t.equal(reply.headers.location, '/admin/sign-in', url)
  }
})

t.test('list and add: the secret is sealed, never on a page, never in a log line', async (t) => {
  const { services, client, lines } = await signedIn(t)
  const empty = await client.get('/admin/radius')
  t.equal(empty.statusCode, 200)
  t.match(empty.body, '<a href="/admin/radius" aria-current="page">RADIUS</a>', 'in the menu')
  t.match(visibleText(empty.body), 'No NAS yet: every RADIUS packet is dropped.')
  t.match(field(empty.body, 'secret'), 'type="password"')

  const added = await client.post('/admin/radius', form)
  t.equal(added.statusCode, 303)
  t.equal(added.headers.location, '/admin/radius?added=vpn')
  const list = await client.get(added.headers.location ?? '')
  t.match(visibleText(list.body), 'NAS "vpn" added.')
  t.match(visibleText(list.body), /vpn 192\.0\.2\.0\/24, 2001:db8::\/64 vpn-gw-1 required no no none \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC Edit… Delete…/)
  t.match(list.body, '<a href="/admin/radius/edit?name=vpn">Edit…</a>')
  t.match(field(list.body, 'secret'), 'value=""')

  await client.post('/admin/radius', { ...form, name: 'fw', networks: '198.51.100.7, 198.51.100.8', identifier: '', messageAuthenticator: 'auto', secret: 'firewall-secret-000001' })
  await client.post('/admin/radius', { ...form, name: 'lab', networks: '203.0.113.0/28', identifier: '', messageAuthenticator: 'off', secret: 'laboratory-secret-0001' })
  const fw = await findNasByName(services.db, 'fw')
  if (fw) await learnMessageAuthenticator(services, fw)
  await client.post('/admin/radius', { ...form, name: 'branch', networks: '10.1.0.0/16', identifier: '', messageAuthenticator: 'auto', secret: 'branch-secret-0000001' })
  const text = visibleText((await client.get('/admin/radius')).body)
  t.match(text, 'branch 10.1.0.0/16 none auto: not seen yet', 'auto, and whether it has been seen')
  t.match(text, 'fw 198.51.100.7/32, 198.51.100.8/32 none auto: seen, required', 'comma-separated networks')
  t.match(text, 'lab 203.0.113.0/28 none off: never checked')
  t.same((await listNas(services)).map((n) => n.name), ['branch', 'fw', 'lab', 'vpn'])

  t.equal(await openedSecret(services, 'vpn'), secret, 'the master key opens it: packets can be checked')
  t.notMatch(await rowText(services, 'vpn'), secret, 'the stored row does not hold it')
  for (const body of [added.body, list.body]) t.notMatch(body, secret, 'no page shows it')
  t.notMatch(lines.join(''), /vpn-shared-secret|firewall-secret|laboratory-secret|branch-secret/, 'no log line holds a secret')
})

t.test('a refused form shows why, keeps what was typed but the secret, and changes nothing', async (t) => {
  const { services, client, lines } = await signedIn(t)
  await client.get('/admin/radius')
  t.equal((await client.post('/admin/radius', form)).statusCode, 303)
  const before = await listNas(services)

  const cases: [string, Record<string, string>, string][] = [
    ['a bad CIDR', { name: 'x', networks: '10.0.0.0/33' }, '"10.0.0.0/33" is not a network in CIDR form'],
    ['a short secret', { name: 'x', secret: 'too-short-0001' }, 'NAS secret must be 16 to 128 printable ASCII characters'],
    ['a duplicate name', {}, 'NAS "vpn" already exists'],
    ['a network another NAS has', { name: 'x', networks: '10.9.0.0/16\n2001:db8:0:0::/64' }, 'Network 2001:db8::/64 is already NAS "vpn"\'s: a packet from it could go to only one of them'],
    ['no secret', { name: 'x', secret: '' }, 'A NAS needs a shared secret'],
    ['no network', { name: 'x', networks: ' \n ' }, 'A NAS needs at least one network, the addresses its packets come from'],
    ['a name with a slash', { name: 'a/b' }, 'NAS name "a/b" is not allowed (1 to 64 letters, digits, spaces or . _ @ -)'],
    ['an unknown mode', { name: 'x', messageAuthenticator: 'sometimes' }, 'Message-Authenticator must be required, auto or off, not "sometimes"'],
    ['groups without a format', { name: 'x', groups: 'vpn' }, 'Groups need a group format (cisco, fortinet or watchguard)'],
    ['an unknown format', { name: 'x', groups: 'vpn', groupFormat: 'juniper' }, 'Group format must be cisco, fortinet or watchguard, not "juniper"'],
    // the command's own words: the console refuses what `agentxml nas add` refuses
    ['two stages and the password', { name: 'x', twoStage: 'yes', checkPassword: 'yes' }, '--two-stage checks the directory password in its first stage and --check-password in the one field: a NAS takes one of them'],
  ]
  for (const [what, change, problem] of cases) {
    const refused = await client.post('/admin/radius', { ...form, secret: 'a-typed-secret-00001', ...change })
    t.equal(refused.statusCode, 400, what)
    t.match(visibleText(refused.body), problem, what)
    t.match(refused.body, '<div class="error" role="alert">', `${what}: shown as an alert`)
    t.notMatch(refused.body, /a-typed-secret|too-short-0001/, `${what}: the typed secret is not sent back`)
    t.match(field(refused.body, 'secret'), 'value=""')
  }
  const kept = await client.post('/admin/radius', { ...form, name: 'lab', networks: '10.0.0.0/33', identifier: 'lab-1', twoStage: 'yes' })
  t.match(field(kept.body, 'name'), 'value="lab"', 'the form keeps the name')
  t.match(kept.body, '>10.0.0.0/33</textarea>', 'and the networks')
  t.match(field(kept.body, 'identifier'), 'value="lab-1"')
  t.match(field(kept.body, 'twoStage'), 'checked')
  t.same(await listNas(services), before, 'nothing was added or changed')
  t.notMatch(lines.join(''), /a-typed-secret|too-short-0001/, 'no refused secret in a log line')
})

t.test('edit: an empty secret keeps the sealed one, a new one replaces it; auto keeps what it learnt', async (t) => {
  const { services, client, logs, lines } = await signedIn(t)
  await addNas(services, { name: 'vpn', networks: ['192.0.2.0/24'], secret, identifier: 'vpn-gw-1', messageAuthenticator: 'auto' })
  const vpn = await findNasByName(services.db, 'vpn')
  if (vpn) await learnMessageAuthenticator(services, vpn)

  const edit = await client.get('/admin/radius/edit?name=vpn')
  t.equal(edit.statusCode, 200)
  t.match(edit.body, '>192.0.2.0/24</textarea>')
  t.match(field(edit.body, 'identifier'), 'value="vpn-gw-1"')
  t.match(edit.body, '<option value="auto" selected>')
  t.match(field(edit.body, 'secret'), 'value=""', 'the secret is write-only')
  t.notMatch(edit.body, secret)
  t.match(visibleText(edit.body), 'Leave empty to keep the current secret (it is sealed and never shown)')
  t.match(field(edit.body, 'forgetSeen'), 'type="checkbox"', 'auto has seen one: it can be forgotten')
  t.equal((await client.get('/admin/radius/edit?name=nobody')).statusCode, 404)

  const values = { name: 'vpn', networks: '192.0.2.0/24, 198.51.100.7', secret: '', identifier: '', messageAuthenticator: 'auto', groups: '', groupFormat: '' }
  const kept = await client.post('/admin/radius/edit', values)
  t.equal(kept.statusCode, 303)
  t.equal(kept.headers.location, '/admin/radius?updated=vpn')
  t.match(visibleText((await client.get(kept.headers.location ?? '')).body), 'NAS "vpn" updated.')
  t.match(await showNas(services, 'vpn'), { networks: ['192.0.2.0/24', '198.51.100.7/32'], identifier: null, messageAuthenticator: 'auto', messageAuthenticatorSeen: true }, 'saving other fields keeps what auto learnt')
  t.equal(await openedSecret(services, 'vpn'), secret, 'an empty secret field keeps the secret')

  await client.get('/admin/radius/edit?name=vpn')
  const same = await client.post('/admin/radius/edit', { ...values, networks: '192.0.2.0/24\n198.51.100.7' })
  t.equal(same.headers.location, '/admin/radius?unchanged=vpn', 'the same form again changes nothing')
  t.match(visibleText((await client.get(same.headers.location ?? '')).body), 'NAS "vpn" unchanged: nothing was different.')

  await client.get('/admin/radius/edit?name=vpn')
  const short = await client.post('/admin/radius/edit', { ...values, secret: 'short-secret-01' })
  t.equal(short.statusCode, 400)
  t.match(visibleText(short.body), 'NAS secret must be 16 to 128 printable ASCII characters')
  t.notMatch(short.body, 'short-secret-01', 'a refused secret is not sent back')
  t.equal(await openedSecret(services, 'vpn'), secret, 'refused: the old secret stays')

  const renewed = await client.post('/admin/radius/edit', { ...values, secret: 'a-brand-new-secret-000000' })
  t.equal(renewed.statusCode, 303)
  t.equal(await openedSecret(services, 'vpn'), 'a-brand-new-secret-000000', 'a new secret replaces it')
  t.notMatch(await rowText(services, 'vpn'), 'a-brand-new-secret', 'sealed')

  await client.get('/admin/radius/edit?name=vpn')
  await client.post('/admin/radius/edit', { ...values, forgetSeen: 'yes' })
  t.equal((await showNas(services, 'vpn')).messageAuthenticatorSeen, false, '"forget" forgets what auto learnt')
  t.notMatch(field((await client.get('/admin/radius/edit?name=vpn')).body, 'forgetSeen'), 'checkbox', 'nothing left to forget')
  await client.post('/admin/radius/edit', { ...values, messageAuthenticator: 'required', identifier: 'vpn-gw-2' })
  t.match(await showNas(services, 'vpn'), { messageAuthenticator: 'required', identifier: 'vpn-gw-2' })

  t.same(
    logs.filter((r) => r.event === 'nasUpdated').map((r) => [r.msg, r.target, r.admin]),
    [
      ['NAS "vpn" updated: networks, identifier', 'vpn', 'root'],
      ['NAS "vpn" updated: secret', 'vpn', 'root'],
      ['NAS "vpn" updated: message authenticator', 'vpn', 'root'],
      ['NAS "vpn" updated: identifier, message authenticator', 'vpn', 'root'],
    ],
    'one line a change, naming what changed and who changed it',
  )
  t.notMatch(lines.join(''), /vpn-shared-secret|brand-new-secret|short-secret-01/, 'no secret in any log line')
})

t.test('delete: a confirmation, then the NAS is gone; again, not found', async (t) => {
  const { services, client } = await signedIn(t)
  await addNas(services, { name: 'vpn', networks: ['192.0.2.0/24'], secret })
  const confirm = await client.get('/admin/radius/delete?name=vpn')
  t.equal(confirm.statusCode, 200)
  t.match(visibleText(confirm.body), 'Delete NAS vpn? Packets from its networks are dropped from now on')
  const removed = await client.post('/admin/radius/delete', { name: 'vpn' })
  t.equal(removed.statusCode, 303)
  t.equal(removed.headers.location, '/admin/radius?deleted=vpn')
  t.match(visibleText((await client.get(removed.headers.location ?? '')).body), 'NAS "vpn" deleted.')
  t.same(await listNas(services), [])
  const again = await client.post('/admin/radius/delete', { name: 'vpn' })
  t.equal(again.statusCode, 404)
  t.match(visibleText(again.body), 'NAS "vpn" not found')
  t.equal((await client.post('/admin/radius/delete', { name: 'a\u0000b' })).statusCode, 404, 'a NUL in the name is not found')
  t.equal((await client.get('/admin/radius/edit?name=a%00b')).statusCode, 404)
})

t.test('the RADIUS forms need the CSRF token of the session', async (t) => {
  const { services, client } = await signedIn(t)
  await addNas(services, { name: 'vpn', networks: ['192.0.2.0/24'], secret })
  await client.get('/admin/radius')
  const before = await listNas(services)
  const forms: [string, Record<string, string>][] = [
    ['/admin/radius', { ...form, name: 'evil', secret: 'stolen-secret-000001' }],
    ['/admin/radius/edit', { ...form, networks: '0.0.0.0/0', secret: 'stolen-secret-000001' }],
    ['/admin/radius/delete', { name: 'vpn' }],
  ]
  for (const [url, values] of forms) {
    t.equal((await client.post(url, values, { csrf: null })).statusCode, 403, `${url} without a token`)
    t.equal((await client.post(url, values, { csrf: 'forged' })).statusCode, 403, `${url} with a wrong token`)
    t.equal((await client.post(url, values, { headers: { 'sec-fetch-site': 'cross-site' } })).statusCode, 403, `${url} from another site`)
  }
  t.same(await listNas(services), before, 'nothing changed')
  t.equal(await openedSecret(services, 'vpn'), secret)
})

t.test('each change has its audit row, naming the administrator; none holds the secret', async (t) => {
  const { services, client } = await signedIn(t)
  await client.get('/admin/radius')
  await client.post('/admin/radius', form)
  await client.get('/admin/radius/edit?name=vpn')
  await client.post('/admin/radius/edit', { ...form, secret: 'a-brand-new-secret-000000' })
  await client.post('/admin/radius/delete', { name: 'vpn' })
  t.same(await nasRows(services), [
    { event: 'nasAdded', message: 'NAS "vpn" added', actor: 'root', actor_type: 'admin', outcome: 'success' },
    { event: 'nasUpdated', message: 'NAS "vpn" updated: secret', actor: 'root', actor_type: 'admin', outcome: 'success' },
    { event: 'nasDeleted', message: 'NAS "vpn" deleted', actor: 'root', actor_type: 'admin', outcome: 'success' },
  ])
  const all = JSON.stringify(await services.db.selectFrom('audit_log').selectAll().execute())
  t.notMatch(all, /vpn-shared-secret|brand-new-secret/, 'no audit row holds a secret')
})

t.test('a hostile NAS-Identifier and name are shown as text, never as markup', async (t) => {
  const { services, client } = await signedIn(t)
  const hostile = '<script>alert(1)</script>"\'&x'
  const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;x'
  await client.get('/admin/radius')
  t.equal((await client.post('/admin/radius', { ...form, identifier: hostile })).statusCode, 303)
  t.equal((await showNas(services, 'vpn')).identifier, hostile, 'printable text is a valid NAS-Identifier')
  const list = await client.get('/admin/radius')
  t.match(list.body, `<td class="break">${escaped}</td>`)
  t.notMatch(list.body, '<script>')
  const edit = await client.get('/admin/radius/edit?name=vpn')
  t.match(field(edit.body, 'identifier'), `value="${escaped}"`)
  t.notMatch(edit.body, '<script>')

  const refused = await client.post('/admin/radius', { ...form, name: hostile })
  t.equal(refused.statusCode, 400)
  t.match(refused.body, `NAS name &quot;${escaped}&quot; is not allowed`)
  t.match(field(refused.body, 'name'), `value="${escaped}"`)
  for (const url of [`/admin/radius/delete?name=${encodeURIComponent(hostile)}`, `/admin/radius/edit?name=${encodeURIComponent(hostile)}`]) {
    const page = await client.get(url)
    t.notMatch(page.body, '<script>', url)
    t.match(page.body, escaped, url)
  }
  const gone = await client.post('/admin/radius/delete', { name: hostile })
  t.equal(gone.statusCode, 404)
  t.notMatch(gone.body, '<script>')
})

t.test('a second administrator is the actor of their own change', async (t) => {
  const { app, services } = await signedIn(t)
  await seedAdmin(services, 'ops')
  const ops = new ConsoleClient(app)
  await ops.signIn('ops')
  await ops.get('/admin/radius')
  await ops.post('/admin/radius', form)
  t.same((await nasRows(services)).map((r) => [r.event, r.actor]), [['nasAdded', 'ops']])
})
