import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'kysely'
import t from 'tap'
import { openDatabase } from '../src/db/index.js'
import { mobileMembers, people, startDirectory } from './helpers/directory.js'
import { groupDn, peopleDn, rootDn, serviceDn, servicePassword, slapdSkip } from './helpers/slapd.js'
import { runCli } from './e2e/helpers/cli.js'
import { databaseIn, tempDir } from './e2e/helpers/paths.js'
import { testEngine } from './helpers/database.js'
import { startServer } from './e2e/helpers/server.js'

t.setTimeout(300_000)

const cli = (args: string[], db: string, env: NodeJS.ProcessEnv = {}) => runCli(args, { db, env })

t.test('repository add, show, list, sync and delete through the agentxml command; the bind password is sealed at rest', { skip: slapdSkip }, async (t) => {
  const slapd = await startDirectory()
  t.teardown(() => slapd.close())
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const passwordFile = join(dir, 'bind-password')
  writeFileSync(passwordFile, `${servicePassword}\n`, { mode: 0o600 })
  const add = await cli(
    ['repository', 'add', 'corp', '--type', 'ldap', '--preset', 'openldap', '--url', slapd.tlsUrl, '--ca', slapd.caFile,
      '--bind-dn', serviceDn, '--bind-password-file', passwordFile, '--base-dn', peopleDn,
      '--group', groupDn('staff'), '--mobile-group', groupDn('mobile'), '--interval', '0', '--transport', 'outbox'],
    db,
  )
  t.equal(add.status, 0, add.stderr)
  t.equal(add.stdout, 'User repository "corp" added\n')

  const dry = await cli(['repository', 'sync', 'corp', '--dry-run'], db)
  t.equal(dry.status, 0, dry.stderr)
  t.match(dry.stdout, `finished: ${people.length} entries, ${people.length} added, 0 updated, 0 marked removed, 0 restored, 0 deleted, 0 not synchronised (dry run: nothing was changed)`)
  t.match((await cli(['user', 'list'], db)).stdout.trim(), /^NAME/, 'no user yet')
  t.notMatch((await cli(['user', 'list'], db)).stdout, 'alice')

  const sync = await cli(['repository', 'sync', 'corp'], db)
  t.equal(sync.status, 0, sync.stderr)
  t.match(sync.stdout, `${people.length} entries, ${people.length} added, 0 updated`)
  const alice = await cli(['user', 'show', 'alice'], db)
  t.match(alice.stdout, /source\s+user repository "corp" \(uid=alice,ou=people,dc=example,dc=com\)/)
  t.equal((await cli(['user', 'show', 'dave'], db)).status, 0)

  const show = await cli(['repository', 'show', 'corp'], db)
  t.match(show.stdout, /bind password\s+set \(sealed\)/)
  t.match(show.stdout, /last sync\s+ok /)
  t.match(show.stdout, new RegExp(`last counts\\s+${people.length} entries, ${people.length} added`))
  t.match(show.stdout, new RegExp(`users\\s+${people.length}\\n`))
  t.match((await cli(['repository', 'list'], db)).stdout, /corp\s+ldaps:\/\/127\.0\.0\.1:\d+\s+8\s+ok /)

  for (const output of [add, dry, sync, show]) t.notMatch(output.stdout + output.stderr, servicePassword, 'the password is never shown')
  if (testEngine === 'sqlite') {
    const files = readdirSync(dir).filter((f) => f.startsWith('agentxml.db'))
    t.ok(files.length > 0)
    for (const file of files) {
      t.notOk(readFileSync(join(dir, file)).includes(servicePassword), `${file} holds no plaintext of the bind password`)
    }
  } else {
    // no file to read on PostgreSQL: every value of every row of the tables that could hold it
    const opened = await openDatabase(db)
    const dump = await sql<Record<string, unknown>>`SELECT repositories.*, sync_runs.* FROM repositories LEFT JOIN sync_runs ON sync_runs.repository_id = repositories.id`.execute(opened.db)
    const audit = await opened.db.selectFrom('audit_log').selectAll().execute()
    await opened.store.close()
    t.ok(dump.rows.length > 0)
    const text = [...dump.rows, ...audit].flatMap((row) => Object.values(row).map((value) => (Buffer.isBuffer(value) ? value.toString('latin1') : String(value)))).join('\n')
    t.notOk(text.includes(servicePassword), 'no row of repositories, sync_runs or audit_log holds its plaintext')
  }

  const refused = await cli(['repository', 'delete', 'corp'], db)
  t.equal(refused.status, 1)
  t.equal(refused.stderr, `agentxml: user repository "corp" has ${people.length} users: say whether they are kept as local users (--keep-users) or deleted (--delete-users)\n`)
  const kept = await cli(['repository', 'delete', 'corp', '--keep-users'], db)
  t.equal(kept.status, 0, kept.stderr)
  t.match((await cli(['user', 'show', 'alice'], db)).stdout, /source\s+local/, 'its users stay, as local users')
})

t.test('the command says what is wrong in one line', { skip: slapdSkip }, async (t) => {
  const slapd = await startDirectory()
  t.teardown(() => slapd.close())
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const base = ['repository', 'add', 'corp', '--type', 'ldap', '--preset', 'openldap', '--bind-dn', serviceDn, '--base-dn', peopleDn]
  const plain = await cli([...base, '--url', slapd.url], db, { AGENTXML_BIND_PASSWORD: servicePassword })
  t.equal(plain.status, 1)
  t.equal(
    plain.stderr,
    'agentxml: an ldap:// URL without StartTLS would send the bind password, and the passwords checked at login, in clear: use ldaps:// or --start-tls, or accept it with --allow-plain-ldap\n',
  )
  const plainUrl = ['--url', slapd.url, '--allow-plain-ldap']
  const noPassword = await cli([...base, ...plainUrl], db)
  t.equal(noPassword.status, 1)
  t.equal(noPassword.stderr, 'agentxml: a repository needs a bind password (--bind-password-file or AGENTXML_BIND_PASSWORD)\n')
  const badUrl = await cli([...base, '--url', 'http://dc.example.com'], db, { AGENTXML_BIND_PASSWORD: servicePassword })
  t.equal(badUrl.stderr, 'agentxml: "http://dc.example.com" is not an LDAP URL (ldap://host:389 or ldaps://host:636)\n')
  const badFilter = await cli([...base, ...plainUrl, '--filter', 'uid=*'], db, { AGENTXML_BIND_PASSWORD: servicePassword })
  t.equal(badFilter.stderr, 'agentxml: "uid=*" is not an LDAP filter (such as "(objectClass=inetOrgPerson)")\n')
  const added = await cli([...base, ...plainUrl], db, { AGENTXML_BIND_PASSWORD: servicePassword })
  t.equal(added.status, 0, added.stderr)
  t.match((await cli(['repository', 'show', 'corp'], db)).stdout, /url\s+ldap:\/\/127\.0\.0\.1:\d+ \(plain LDAP, allowed: passwords cross the network in clear\)\n/)
  await slapd.stop()
  const down = await cli(['repository', 'sync', 'corp'], db)
  t.equal(down.status, 1)
  t.match(down.stderr, /^Synchronisation of user repository "corp" failed, nothing was changed, error: directory ldap:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED 127\.0\.0\.1:\d+\n$/, 'one line')
  t.match((await cli(['repository', 'show', 'corp'], db)).stdout, /last error\s+directory ldap:/, 'the error is shown')
  const unknown = await cli(['repository', 'sync', 'nope'], db)
  t.equal(unknown.stderr, 'agentxml: user repository "nope" not found\n')
  const wrongPassword = await cli(['repository', 'set', 'corp'], db, { AGENTXML_BIND_PASSWORD: 'wrong' })
  t.equal(wrongPassword.status, 0)
  await slapd.start()
  t.match((await cli(['repository', 'sync', 'corp'], db)).stderr, 'the directory refused the bind DN or password', 'a bad bind is named')
})

t.test('a sync that finds no entries warns on stderr and in repository show, and names the preset a uid suggests', { skip: slapdSkip }, async (t) => {
  const slapd = await startDirectory()
  t.teardown(() => slapd.close())
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  // no --preset: Active Directory's filter and names, on an OpenLDAP directory
  const added = await cli(['repository', 'add', 'corp', '--type', 'ldap', '--url', slapd.url, '--allow-plain-ldap', '--bind-dn', serviceDn, '--base-dn', peopleDn, '--interval', '0'], db, { AGENTXML_BIND_PASSWORD: servicePassword })
  t.equal(added.status, 0, added.stderr)
  const sync = await cli(['repository', 'sync', 'corp'], db)
  t.equal(sync.status, 0, 'the sync itself went well')
  const hint = `Synchronisation of user repository "corp" found no entries under ${peopleDn} matching (&(objectCategory=person)(objectClass=user)): ` +
    "entries there have uid, inetOrgPerson or posixAccount, as OpenLDAP users do: agentxml repository set corp --preset openldap --filter '(objectClass=inetOrgPerson)' --username-attr uid"
  t.equal(sync.stderr, `${hint}\n`, 'one line on stderr')
  t.match(sync.stdout, 'finished: 0 entries, 0 added')
  const show = (await cli(['repository', 'show', 'corp'], db)).stdout
  t.match(show, /last warning\s+Synchronisation of user repository "corp" found no entries/)
  t.match(show, hint)
  const fixed = await cli(['repository', 'set', 'corp', '--preset', 'openldap', '--filter', '(objectClass=inetOrgPerson)', '--username-attr', 'uid'], db)
  t.equal(fixed.status, 0, fixed.stderr)
  const again = await cli(['repository', 'sync', 'corp'], db)
  // the users are new and have email addresses nobody configured a server for: that is said, nothing else
  t.equal(again.stderr, `PIN not sent to ${people.length} users without one: the email transport is not configured\n`, 'the suggestion finds them: no warning')
  t.match(again.stdout, `finished: ${people.length} entries, ${people.length} added`)
})

t.test('the server synchronises a repository when it starts and then on its interval; it warns of plain LDAP', { skip: slapdSkip }, async (t) => {
  const slapd = await startDirectory()
  t.teardown(() => slapd.close())
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const env = { AGENTXML_BIND_PASSWORD: servicePassword }
  const added = await cli(
    ['repository', 'add', 'corp', '--type', 'ldap', '--preset', 'openldap', '--url', slapd.url, '--allow-plain-ldap', '--bind-dn', serviceDn, '--base-dn', peopleDn,
      '--mobile-group', groupDn('mobile'), '--interval', '60'],
    db,
    env,
  )
  t.equal(added.status, 0, added.stderr)
  const server = await startServer(t, { db, args: ['--port', '0'] })
  const finished = await server.waitForRecord((r) => r.event === 'syncFinished', 30_000)
  t.match(finished, { repository: 'corp', trigger: 'schedule', added: people.length })
  await server.stop()
  const warnings = server.records().filter((r) => r.level === 40 && r.repository === 'corp')
  t.same(
    warnings.map((r) => r.msg),
    [`User repository "corp" uses plain LDAP (${slapd.url} without StartTLS): its bind password and the passwords checked at login cross the network in clear`],
    'one warning at start',
  )
  const list = await cli(['user', 'list'], db)
  for (const member of mobileMembers) t.match(list.stdout, member)
})

t.test('repository set: a new URL, StartTLS setting, CA or bind DN needs the bind password again, in one line', { skip: slapdSkip }, async (t) => {
  const slapd = await startDirectory()
  t.teardown(() => slapd.close())
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const env = { AGENTXML_BIND_PASSWORD: servicePassword }
  const added = await cli(
    ['repository', 'add', 'corp', '--type', 'ldap', '--preset', 'openldap', '--url', slapd.tlsUrl, '--ca', slapd.caFile, '--bind-dn', serviceDn, '--base-dn', peopleDn, '--interval', '0'],
    db,
    env,
  )
  t.equal(added.status, 0, added.stderr)
  const before = (await cli(['repository', 'show', 'corp'], db)).stdout

  const moved = await cli(['repository', 'set', 'corp', '--url', 'ldaps://127.0.0.1:1', '--interval', '5'], db)
  t.equal(moved.status, 1)
  t.equal(moved.stderr, 'agentxml: changing the URL needs the bind password again: --bind-password-file FILE or AGENTXML_BIND_PASSWORD\n')
  const both = await cli(['repository', 'set', 'corp', '--ca', '', '--bind-dn', rootDn], db)
  t.equal(both.stderr, 'agentxml: changing the CA and the bind DN needs the bind password again: --bind-password-file FILE or AGENTXML_BIND_PASSWORD\n')
  t.equal((await cli(['repository', 'show', 'corp'], db)).stdout, before, 'nothing changed')

  const same = await cli(['repository', 'set', 'corp', '--url', slapd.tlsUrl, '--ca', slapd.caFile, '--interval', '5'], db)
  t.equal(same.status, 0, `the URL and CA it has are no change: ${same.stderr}`)
  const passwordFile = join(dir, 'bind-password')
  writeFileSync(passwordFile, `${servicePassword}\n`, { mode: 0o600 })
  const given = await cli(['repository', 'set', 'corp', '--url', 'ldaps://127.0.0.1:1', '--bind-password-file', passwordFile], db)
  t.equal(given.status, 0, given.stderr)
  t.match((await cli(['repository', 'show', 'corp'], db)).stdout, /url\s+ldaps:\/\/127\.0\.0\.1:1\n/, 'with the password, it changes')
})
