import { createServer } from 'node:net'
import t from 'tap'
import { requireRepository } from '../src/domain/repositories.js'
import { ConsoleClient, seedAdmin, visibleText } from './helpers/admin.js'
import { build } from './helpers/build.js'
import { people, startDirectory } from './helpers/directory.js'
import { groupDn, peopleDn, readText, rootDn, serviceDn, servicePassword, slapdSkip } from './helpers/slapd.js'

t.setTimeout(300_000)

t.test('the Repositories page: add, Sync now, last sync and counts, errors, edit; a user page says where the user comes from', { skip: slapdSkip }, async (t) => {
  const slapd = await startDirectory()
  t.teardown(() => slapd.close())
  const { app, services } = await build(t)
  await seedAdmin(services)
  const client = new ConsoleClient(app)
  await client.signIn()

  const empty = await client.get('/admin/repositories')
  t.equal(empty.statusCode, 200)
  t.match(empty.body, '<a href="/admin/repositories" aria-current="page">Repositories</a>', 'in the menu')
  t.match(visibleText(empty.body), 'No user repositories yet: every user is local.')

  const form = {
    name: 'corp', preset: 'openldap', url: slapd.url, startTls: 'yes', ca: readText(slapd.caFile), bindDn: serviceDn, bindPassword: servicePassword, baseDn: peopleDn,
    groups: groupDn('staff'), mobileGroup: groupDn('mobile'), transport: 'outbox', interval: '0', graceDays: '3', maxRemoval: '20',
  }
  const bad = await client.post('/admin/repositories', { ...form, url: 'http://nope' })
  t.equal(bad.statusCode, 400)
  t.match(visibleText(bad.body), '"http://nope" is not an LDAP URL')
  const plain = await client.post('/admin/repositories', { ...form, startTls: '' })
  t.equal(plain.statusCode, 400)
  t.match(visibleText(plain.body), 'An ldap:// URL without StartTLS would send the bind password, and the passwords checked at login, in clear: use an ldaps:// URL or StartTLS, or tick "Allow plain LDAP".')
  t.match(plain.body, /<input type="checkbox" name="allowPlainLdap" value="yes" aria-describedby="f-allowPlainLdap-hint">/, 'the box to tick, unticked')
  const ticked = await client.post('/admin/repositories', { ...form, name: 'plain', startTls: '', allowPlainLdap: 'yes' })
  t.equal(ticked.statusCode, 303, 'ticked, it is added')
  t.match(visibleText((await client.get('/admin/repositories')).body), /plain\s+ldap:\/\/127\.0\.0\.1:\d+ plain LDAP: passwords in clear/, 'and marked on the list')
  const added = await client.post('/admin/repositories', form)
  t.equal(added.statusCode, 303)
  const list = await client.get(added.headers.location as string)
  t.match(visibleText(list.body), 'Repository "corp" added.')
  t.match(visibleText(list.body), 'never synchronised')
  t.notMatch(list.body, servicePassword, 'the bind password is never on a page')

  const synced = await client.post('/admin/repositories/sync', { name: 'corp', back: 'list' })
  t.equal(synced.statusCode, 200)
  t.match(visibleText(synced.body), `Synchronised: ${people.length} entries, ${people.length} added`)
  t.match(visibleText(synced.body), new RegExp(`corp\\s+${slapd.url.replace(/[/.]/g, '\\$&')}\\s+${people.length}\\s+ok`), 'the row: users and last sync')

  const user = await client.get('/admin/user?name=alice')
  t.match(visibleText(user.body), 'Source user repository "corp" (uid=alice,ou=people,dc=example,dc=com)')

  await slapd.stop()
  const failed = await client.post('/admin/repositories/sync', { name: 'corp', back: 'detail' })
  t.match(visibleText(failed.body), /Synchronisation failed, nothing was changed: directory ldap:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/)
  const detail = await client.get('/admin/repository?name=corp')
  t.match(visibleText(detail.body), /console\s+failed/, 'the failed run is listed')
  t.match(visibleText((await client.get('/admin/repositories')).body), 'ECONNREFUSED', 'and its error on the list')
  await slapd.start()

  const edit = await client.post('/admin/repository', { ...form, original: 'corp', bindPassword: '', interval: '15', filter: '(uid=*)' })
  t.equal(edit.statusCode, 303)
  const repository = await requireRepository(services, 'corp')
  t.match(repository, { interval_minutes: 15, filter: '(uid=*)' })
  const again = await client.post('/admin/repositories/sync', { name: 'corp', back: 'detail', dryRun: 'yes' })
  t.match(visibleText(again.body), 'Dry run, nothing was changed', 'an empty password field kept the stored one')
})

t.test('a sync that finds no entries is a warning on the page, on the list and in the runs, with the preset the entries suggest', { skip: slapdSkip }, async (t) => {
  const slapd = await startDirectory()
  t.teardown(() => slapd.close())
  const { app, services } = await build(t)
  await seedAdmin(services)
  const client = new ConsoleClient(app)
  await client.signIn()
  await client.get('/admin/repositories')
  // an OpenLDAP directory added with the Active Directory preset
  const form = {
    name: 'corp', preset: 'ad', url: slapd.url, startTls: 'yes', ca: readText(slapd.caFile), bindDn: serviceDn, bindPassword: servicePassword, baseDn: peopleDn,
    groups: '', mobileGroup: '', transport: 'outbox', interval: '0', graceDays: '3', maxRemoval: '20',
  }
  t.equal((await client.post('/admin/repositories', form)).statusCode, 303)
  const synced = await client.post('/admin/repositories/sync', { name: 'corp', back: 'detail' })
  const hint = "found no entries under ou=people,dc=example,dc=com matching (&(objectCategory=person)(objectClass=user)): entries there have uid, inetOrgPerson or posixAccount, as OpenLDAP users do: agentxml repository set corp --preset openldap --filter '(objectClass=inetOrgPerson)' --username-attr uid"
  t.match(synced.body, /<div class="error" role="alert">Synchronised: 0 entries, 0 added, [^<]*found no entries/, 'an alert, not a notice')
  t.match(visibleText(synced.body), hint)
  t.match(visibleText(synced.body), /console\s+warning\s+Synchronisation of user repository "corp" found no entries/, 'the run')
  const list = visibleText((await client.get('/admin/repositories')).body)
  t.match(list, /corp\s+ldap:\/\/127\.0\.0\.1:\d+\s+0\s+warning/, 'the list: a warning, not ok')
  t.match(list, hint)
})

t.test('a new URL, StartTLS setting, CA or bind DN needs the bind password again: the sealed one never goes elsewhere', { skip: slapdSkip }, async (t) => {
  const slapd = await startDirectory()
  t.teardown(() => slapd.close())
  // an administrator's own listener: it must never be asked for the service account's password
  let connections = 0
  const listener = createServer((socket) => {
    connections++
    socket.destroy()
  })
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => listener.close(resolve)))
  const address = listener.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const { app, services } = await build(t)
  await seedAdmin(services)
  const client = new ConsoleClient(app)
  await client.signIn()
  await client.get('/admin/repositories')
  const caPem = readText(slapd.caFile)
  const form = {
    name: 'corp', preset: 'openldap', url: slapd.url, startTls: 'yes', ca: caPem, bindDn: serviceDn, bindPassword: servicePassword, baseDn: peopleDn,
    groups: groupDn('staff'), mobileGroup: '', transport: 'outbox', interval: '0', graceDays: '3', maxRemoval: '20',
  }
  t.equal((await client.post('/admin/repositories', form)).statusCode, 303)
  const stored = await requireRepository(services, 'corp')
  const edit = { ...form, original: 'corp', bindPassword: '' }

  const changes: [string, Record<string, string>][] = [
    ['the URL', { url: `ldap://127.0.0.1:${port}` }],
    ['the StartTLS setting', { startTls: '' }],
    ['the CA', { ca: '' }],
    ['the bind DN', { bindDn: rootDn }],
    ['the URL and the CA', { url: `ldap://127.0.0.1:${port}`, ca: '' }],
  ]
  for (const [what, change] of changes) {
    const refused = await client.post('/admin/repository', { ...edit, ...change, interval: '5' })
    t.equal(refused.statusCode, 400, `${what}: refused`)
    t.match(visibleText(refused.body), `Nothing was changed: changing ${what} needs the bind password again.`)
    t.match(refused.body, new RegExp(`<div class="field-error" id="f-bindPassword-error">Changing ${what} needs the bind password again.</div>`), 'beside the password field')
    t.match(refused.body, 'aria-describedby="f-bindPassword-hint f-bindPassword-error"')
    t.same(await requireRepository(services, 'corp'), stored, `${what}: nothing changed, not even the interval`)
  }
  const synced = await client.post('/admin/repositories/sync', { name: 'corp', back: 'detail' })
  t.match(visibleText(synced.body), 'Synchronised:', 'Sync now still goes to the directory')
  t.equal(connections, 0, 'and the listener was never contacted')

  const crlf = await client.post('/admin/repository', { ...edit, ca: caPem.replace(/\n/g, '\r\n'), interval: '15' })
  t.equal(crlf.statusCode, 303, 'the same CA sent back as a browser sends a textarea (CRLF) is no change; other settings need no password')
  t.equal((await requireRepository(services, 'corp')).interval_minutes, 15)

  const moved = await client.post('/admin/repository', { ...edit, url: `ldap://127.0.0.1:${port}`, bindPassword: servicePassword })
  t.equal(moved.statusCode, 303, 'with the password, the URL changes')
  t.equal((await requireRepository(services, 'corp')).url, `ldap://127.0.0.1:${port}`)
})
