import { readFileSync } from 'node:fs'
import { Client } from 'ldapts'
import t, { type Test } from 'tap'
import { recentSyncRuns } from '../src/db/repositories/sync-runs.js'
import { syncRepository } from '../src/domain/directory-sync.js'
import { addRepository, changeRepository, describeRepository, requireRepository } from '../src/domain/repositories.js'
import { updateUserDetails } from '../src/domain/user-admin.js'
import { addUser, describeUser } from '../src/domain/users.js'
import { deriveKeys } from '../src/secrets.js'
import { build } from './helpers/build.js'
import { addTestRepository, mobileMembers, people, snapshot, startDirectory, userNamed } from './helpers/directory.js'
import { available, groupDn, peopleDn, personDn, personLdif, requireLdap, serviceDn, servicePassword, slapdSkip } from './helpers/slapd.js'

t.setTimeout(300_000)
const day = 86_400_000

async function setup(t: Test, extra: Parameters<typeof addTestRepository>[2] = {}) {
  const slapd = await startDirectory()
  t.teardown(() => slapd.close())
  const built = await build(t)
  await addTestRepository(built.services, slapd, extra)
  const sync = (options: { dryRun?: boolean; force?: boolean } = {}) => syncRepository(built.services, 'corp', { trigger: 'command', ...options })
  return { slapd, ...built, sync }
}

t.test('the test directory caps a plain search below its size, so only a paged one reads it all', { skip: slapdSkip }, async (t) => {
  const slapd = await startDirectory()
  t.teardown(() => slapd.close())
  const client = new Client({ url: slapd.url })
  t.teardown(() => client.unbind())
  await client.bind(serviceDn, servicePassword)
  await t.rejects(client.search(peopleDn, { filter: '(objectClass=inetOrgPerson)' }), { name: 'SizeLimitExceededError' })
  const paged = await client.search(peopleDn, { filter: '(objectClass=inetOrgPerson)', paged: { pageSize: 3 } })
  t.equal(paged.searchEntries.length, people.length)
})

t.test('a first sync creates the directory users, the mobile right exactly for the mobile group', { skip: slapdSkip }, async (t) => {
  const { services, sync, logs } = await setup(t)
  const report = await sync()
  t.match(report, { status: 'ok', entries: people.length, added: people.length, updated: 0, removed: 0, deleted: 0 })
  for (const person of people) {
    const user = await userNamed(services, person.uid)
    t.ok(user, `${person.uid} exists`)
    t.equal(user?.email, person.mail ?? null)
    t.equal(user?.phone, person.mobile ?? null)
    t.equal(user?.mobile, mobileMembers.includes(person.uid) ? 1 : 0, `${person.uid}: mobile right follows the mobile group`)
    t.equal(user?.directory_dn, personDn(person.uid))
    t.equal(user?.transport, 'outbox', 'the transport the repository gives new users')
  }
  t.match((await describeUser(services, 'alice')).source, /user repository "corp" \(uid=alice,/)
  t.ok(logs.find((r) => r.event === 'syncStarted'), 'a started line')
  const finished = logs.find((r) => r.event === 'syncFinished')
  t.match(finished?.msg, `${people.length} entries, ${people.length} added, 0 updated, 0 marked removed`)
  await services.flushAudit?.()
  const audit = await services.db.selectFrom('audit_log').select(['event', 'outcome']).where('event', 'like', 'sync%').execute()
  t.same(audit.map((a) => a.event).sort(), ['syncFinished', 'syncStarted'], 'both reach the audit log')
  const view = await describeRepository(services, 'corp')
  t.match(view.runs[0], { status: 'ok', added: people.length, entries: people.length })
  t.same(view.users, { total: people.length, removed: 0 })

  const again = await sync()
  t.match(again, { status: 'ok', added: 0, updated: 0, removed: 0 }, 'a re-sync with no change changes nothing')
})

t.test('a changed mail, phone or group updates exactly that user', { skip: slapdSkip }, async (t) => {
  const { services, slapd, sync } = await setup(t)
  await sync()
  const before = await snapshot(services)
  await slapd.modify(`dn: ${personDn('dave')}\nchangetype: modify\nreplace: mail\nmail: dave@new.example.com\n-\nadd: mobile\nmobile: +44 7700 900444\n\n`)
  await slapd.modify(`dn: ${groupDn('mobile')}\nchangetype: modify\nadd: member\nmember: ${personDn('erin')}\n-\ndelete: member\nmember: ${personDn('alice')}\n\n`)
  const report = await sync()
  t.match(report, { status: 'ok', added: 0, updated: 3, removed: 0 })
  const after = await snapshot(services)
  const changed = after.filter((row, i) => JSON.stringify(row) !== JSON.stringify(before[i])).map((row) => row.name)
  t.same(changed, ['alice', 'dave', 'erin'], 'only these three')
  t.match(await userNamed(services, 'dave'), { email: 'dave@new.example.com', phone: '+44 7700 900444' })
  t.equal((await userNamed(services, 'erin'))?.mobile, 1, 'joined the mobile group')
  t.equal((await userNamed(services, 'alice'))?.mobile, 0, 'left the mobile group')
})

t.test('an entry with only a phone number gets the sms transport, and keeps a transport that reaches it', { skip: slapdSkip }, async (t) => {
  const { services, slapd, sync } = await setup(t, { transport: 'email' })
  await slapd.add(personLdif({ uid: 'ivan', mobile: '+44 7700 900099' }))
  await slapd.modify(`dn: ${groupDn('staff')}\nchangetype: modify\nadd: member\nmember: ${personDn('ivan')}\n\n`)
  await sync()
  t.match(await userNamed(services, 'ivan'), { email: null, phone: '+44 7700 900099', transport: 'sms' }, 'not email: there is no address')
  t.match(await userNamed(services, 'dave'), { transport: 'email' }, "the repository's transport where it reaches the user")
  await slapd.modify(`dn: ${personDn('bob')}\nchangetype: modify\ndelete: mail\n\n`)
  await sync()
  t.match(await userNamed(services, 'bob'), { email: null, transport: 'sms' }, 'a user whose address is gone is moved to the phone number they have')
})

t.test('an entry that disappears marks its user removed; it is deleted only after the grace period', { skip: slapdSkip }, async (t) => {
  const { services, slapd, sync, clock, logs } = await setup(t, { graceDays: 3 })
  await sync()
  await slapd.remove(personDn('bob'))
  t.match(await sync(), { status: 'ok', removed: 1, deleted: 0 })
  const bob = await userNamed(services, 'bob')
  t.equal(bob?.removed_at, clock.now(), 'marked removed')
  t.equal(bob?.mobile, 0, 'and can no longer use the mobile client')
  t.match(logs.find((r) => r.event === 'directoryUserRemoved')?.msg, 'User "bob" marked removed')
  clock.advance(2 * day)
  t.match(await sync(), { removed: 0, deleted: 0 }, 'kept within the grace period')
  t.ok(await userNamed(services, 'bob'))
  clock.advance(day)
  t.match(await sync(), { removed: 0, deleted: 1 }, 'deleted once it is over')
  t.notOk(await userNamed(services, 'bob'))
  t.equal((await snapshot(services)).length, people.length - 1, 'nobody else')
})

t.test('an entry that comes back within the grace period restores its user', { skip: slapdSkip }, async (t) => {
  const { services, slapd, sync } = await setup(t)
  await sync()
  await slapd.remove(personDn('alice'))
  await sync()
  await slapd.add(personLdif(people[0] ?? { uid: 'alice' }))
  t.match(await sync(), { restored: 1, removed: 0 })
  t.match(await userNamed(services, 'alice'), { removed_at: null, mobile: 1 })
})

t.test('a directory that cannot be reached changes nothing; the error is logged and shown, the next sync works', { skip: slapdSkip }, async (t) => {
  const { services, slapd, sync, logs } = await setup(t, { graceDays: 0 })
  await sync()
  await slapd.remove(personDn('heidi'))
  await sync()
  const before = await snapshot(services)
  await slapd.stop()
  const report = await sync()
  t.equal(report.status, 'failed')
  t.match(report.error, /^directory ldap:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/)
  t.same(await snapshot(services), before, 'nothing changed: the user past her grace period is still there')
  const failed = logs.find((r) => r.event === 'syncFailed')
  t.match(failed?.msg, 'failed, nothing was changed, error: directory ldap://')
  t.equal(failed?.level, 50)
  t.match((await describeRepository(services, 'corp')).runs[0], { status: 'failed', error: report.error })
  await slapd.start()
  t.match(await sync(), { status: 'ok', deleted: 1 }, 'after a restart the sync goes on')
})

t.test('a filter that would remove most users stops the sync; --force goes on', { skip: slapdSkip }, async (t) => {
  const { services, sync, logs } = await setup(t)
  await sync()
  await changeRepository(services, 'corp', { filter: '(uid=a*)' })
  const before = await snapshot(services)
  const stopped = await sync()
  t.equal(stopped.status, 'stopped')
  t.match(stopped.error, `it would remove ${people.length - 1} of its ${people.length} users (more than 20%); nothing was changed`)
  t.same(await snapshot(services), before)
  t.ok(logs.find((r) => r.event === 'syncStopped'))
  const corp = await requireRepository(services, 'corp')
  t.match((await recentSyncRuns(services.db, corp.id, 1))[0], { status: 'stopped' })
  t.match(await sync({ dryRun: true, force: true }), { status: 'ok', removed: people.length - 1 }, 'a dry run tells what --force would do')
  t.same(await snapshot(services), before, 'and does nothing')
  t.match(await sync({ force: true }), { status: 'ok', removed: people.length - 1 })
})

t.test('a sync that finds no entries warns: the log at warn, the audit, the run; a uid under the base suggests the openldap preset', { skip: slapdSkip }, async (t) => {
  // an OpenLDAP directory added without --preset openldap: Active Directory's filter and name attribute
  const { services, sync, logs } = await setup(t, { preset: 'ad', groups: [], mobileGroup: '' })
  const report = await sync()
  t.match(report, { status: 'ok', entries: 0, added: 0 })
  const hint = `Synchronisation of user repository "corp" found no entries under ${peopleDn} matching (&(objectCategory=person)(objectClass=user)): ` +
    "entries there have uid, inetOrgPerson or posixAccount, as OpenLDAP users do: agentxml repository set corp --preset openldap --filter '(objectClass=inetOrgPerson)' --username-attr uid"
  t.equal(report.warning, hint)
  t.match(logs.find((r) => r.event === 'syncEmpty'), { level: 40, repository: 'corp', msg: hint })
  await services.flushAudit?.()
  t.match(await services.db.selectFrom('audit_log').selectAll().where('event', '=', 'syncEmpty').execute(), [{ message: hint, outcome: 'failure' }], 'an audit row')
  const corp = await requireRepository(services, 'corp')
  t.match((await recentSyncRuns(services.db, corp.id, 1))[0], { status: 'ok', entries: 0, error: hint }, 'the run keeps it for the console and repository show')

  await changeRepository(services, 'corp', { preset: 'openldap', filter: '(objectClass=inetOrgPerson)', usernameAttr: 'uid' })
  t.match(await sync(), { status: 'ok', entries: people.length, added: people.length, warning: undefined }, 'the suggestion finds them')
  t.equal(logs.filter((r) => r.event === 'syncEmpty').length, 1)

  await changeRepository(services, 'corp', { filter: '(uid=nobody)' })
  t.match((await sync({ dryRun: true, force: true })).warning, /matching \(uid=nobody\): entries there have uid, inetOrgPerson or posixAccount, as OpenLDAP users do: check the filter \(the OpenLDAP preset's is \(objectClass=inetOrgPerson\)\)$/, 'the right preset: the filter is wrong')
  await changeRepository(services, 'corp', { baseDn: groupDn('staff').replace(/^cn=staff,/, ''), filter: '(objectClass=inetOrgPerson)' })
  t.match((await sync({ dryRun: true, force: true })).warning, /: no entry there looks like a user of Active Directory or OpenLDAP: check the base DN, the filter, and what cn=sync,dc=example,dc=com may read$/, 'nothing user-like under the base')
})

t.test('users added by hand stay local; a name in two places is reported, not merged', { skip: slapdSkip }, async (t) => {
  const { services, sync, logs } = await setup(t)
  await addUser(services, { name: 'Carol', email: 'carol@local.example.com' })
  await addUser(services, { name: 'zed', email: 'zed@local.example.com' })
  const report = await sync()
  t.equal(report.added, people.length - 1)
  t.same(report.conflicts, [{ name: 'carol', reason: 'a local user has this name' }])
  t.match(await userNamed(services, 'Carol'), { repository_id: null, email: 'carol@local.example.com' }, 'the local user is untouched')
  const carols = await services.db.selectFrom('users').select('id').where('name_key', '=', 'carol').execute()
  t.equal(carols.length, 1, 'and not doubled: Carol and carol are one name')
  t.match(logs.find((r) => r.event === 'syncConflict')?.msg, 'user "carol" not synchronised: a local user has this name')
  await changeRepository(services, 'corp', { filter: '(uid=nobody)' })
  await sync({ force: true })
  t.match(await userNamed(services, 'zed'), { repository_id: null, removed_at: null }, 'a sync never removes a local user')
})

t.test('attributes owned by the directory cannot be edited locally', { skip: slapdSkip }, async (t) => {
  const { services, sync } = await setup(t)
  await sync()
  await t.rejects(updateUserDetails(services, 'alice', { email: 'mine@example.com' }), {
    message: 'the email address of user "alice" comes from user repository "corp": change it in the directory',
  })
  await updateUserDetails(services, 'alice', { transport: 'email' })
  t.equal((await userNamed(services, 'alice'))?.transport, 'email', 'the transport is the server\'s own')
})

t.test('Active Directory names: sAMAccountName, and a disabled account has no mobile right', { skip: slapdSkip }, async (t) => {
  const slapd = await startDirectory()
  t.teardown(() => slapd.close())
  await slapd.add(
    personLdif({ uid: 'ad1', mail: 'jdoe@example.com', ad: { sam: 'JDoe', control: 512 } }) +
      personLdif({ uid: 'ad2', mail: 'gone@example.com', ad: { sam: 'Gone', control: 514 } }),
  )
  const { services } = await build(t)
  await addTestRepository(services, slapd, { preset: 'ad', filter: '(objectClass=adTestUser)', groups: [], mobileGroup: '' })
  const report = await syncRepository(services, 'corp', { trigger: 'command' })
  t.match(report, { status: 'ok', added: 2 })
  t.match(await userNamed(services, 'JDoe'), { mobile: 1, directory_disabled: 0 })
  t.match(await userNamed(services, 'Gone'), { mobile: 0, directory_disabled: 1 }, 'ACCOUNTDISABLE disables the user')
})

t.test('TLS: ldaps:// and StartTLS with the directory\'s CA; without it the sync fails cleanly', { skip: slapdSkip }, async (t) => {
  const slapd = await startDirectory()
  t.teardown(() => slapd.close())
  const { services } = await build(t)
  const caPem = readFileSync(slapd.caFile, 'utf8')
  await addTestRepository(services, slapd, { name: 'tls', url: slapd.tlsUrl, caPem })
  t.match(await syncRepository(services, 'tls', { trigger: 'command' }), { status: 'ok', added: people.length })
  await addTestRepository(services, slapd, { name: 'starttls', url: slapd.url, startTls: true, caPem, groups: [], filter: '(uid=nobody)' })
  t.match(await syncRepository(services, 'starttls', { trigger: 'command' }), { status: 'ok' }, 'StartTLS on the plain port')
  await addTestRepository(services, slapd, { name: 'untrusted', url: slapd.tlsUrl, filter: '(uid=nobody)' })
  const refused = await syncRepository(services, 'untrusted', { trigger: 'command' })
  t.equal(refused.status, 'failed')
  t.match(refused.error, /certificate/i, 'a self-signed certificate is not trusted without --ca')
})

t.test('a missing slapd is a failure when AGENTXML_REQUIRE_LDAP=1', { skip: !requireLdap && 'AGENTXML_REQUIRE_LDAP is not set' }, async (t) => {
  t.ok(available, '/usr/sbin/slapd and ldapadd must exist in CI')
})

t.test('a bind password sealed with another master key is named, not a stack trace', async (t) => {
  const { services } = await build(t)
  await addRepository(services, { name: 'corp', preset: 'openldap', url: 'ldap://127.0.0.1:1', allowPlainLdap: true, bindDn: serviceDn, bindPassword: servicePassword, baseDn: peopleDn })
  const otherKey = { ...services, keys: deriveKeys(Buffer.alloc(32, 9)) }
  await t.rejects(syncRepository(otherKey, 'corp', { trigger: 'command' }), {
    message: 'the bind password of user repository "corp" cannot be opened with this master key: set it again',
  })
  const corp = await requireRepository(services, 'corp')
  t.match((await recentSyncRuns(services.db, corp.id, 1))[0], { status: 'failed', error: /cannot be opened/ })
  t.match(await syncRepository(services, 'corp', { trigger: 'command' }), { status: 'failed', error: /ECONNREFUSED/ }, 'and the lease was released')
})
