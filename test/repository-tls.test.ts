import { createServer } from 'node:net'
import t from 'tap'
import { targetOf } from '../src/domain/directory-read.js'
import { syncRepository } from '../src/domain/directory-sync.js'
import { addRepository, changeRepository, repositoryList, requireRepository, warnPlainLdap } from '../src/domain/repositories.js'
import { checkBind } from '../src/directory/ldap.js'
import { build } from './helpers/build.js'
import { addTestRepository, repositorySettings } from './helpers/directory.js'
import { personDn, readText, serviceDn, servicePassword, type Slapd, slapdSkip, startSlapd } from './helpers/slapd.js'

t.setTimeout(300_000)

// how the connection to a directory is secured: the certificate's name, and plain LDAP

t.test('StartTLS to an IP address checks the certificate against that address, not "localhost"', { skip: slapdSkip }, async (t) => {
  // node checks an IP literal's certificate against "localhost" unless it is told the host
  const forIp = await startSlapd({ certificate: { subject: '/CN=directory.test', altNames: 'IP:127.0.0.1' } })
  t.teardown(() => forIp.close())
  const forLocalhost = await startSlapd({ certificate: { subject: '/CN=localhost', altNames: 'DNS:localhost' } })
  t.teardown(() => forLocalhost.close())
  const { services } = await build(t)
  const add = (slapd: Slapd, name: string, url: string, startTls: boolean) =>
    addTestRepository(services, slapd, { name, url, startTls, caPem: readText(slapd.caFile), groups: [], mobileGroup: '', filter: '(uid=nobody)' })
  const sync = (name: string) => syncRepository(services, name, { trigger: 'command' })

  await add(forIp, 'ip', forIp.url, true)
  t.match(await sync('ip'), { status: 'ok' }, 'a certificate for 127.0.0.1 is accepted over ldap://127.0.0.1 with StartTLS')
  await add(forLocalhost, 'localhost', forLocalhost.url, true)
  const refused = await sync('localhost')
  t.equal(refused.status, 'failed', 'a certificate for localhost only is refused over ldap://127.0.0.1 with StartTLS')
  t.match(refused.error, /IP: 127\.0\.0\.1 is not in the cert's list/)

  const target = (slapd: Slapd) => ({ url: slapd.url, startTls: true, allowPlain: false, caPem: readText(slapd.caFile) })
  t.equal(await checkBind(target(forIp), serviceDn, servicePassword), 'ok', 'a password check binds over the same checked connection')
  t.equal(await checkBind(target(forLocalhost), serviceDn, servicePassword), 'unavailable', 'and never to the wrong certificate')

  // ldaps:// was right already: it stays so
  await add(forIp, 'ip-ldaps', forIp.tlsUrl, false)
  t.match(await sync('ip-ldaps'), { status: 'ok' })
  await add(forLocalhost, 'localhost-ldaps', forLocalhost.tlsUrl, false)
  t.match(await sync('localhost-ldaps'), { status: 'failed', error: /IP: 127\.0\.0\.1 is not in the cert's list/ })
})

t.test('plain ldap:// without StartTLS is refused unless allowed by name; TLS drops the permission', { skip: slapdSkip }, async (t) => {
  const slapd = await startSlapd()
  t.teardown(() => slapd.close())
  const { services, logs } = await build(t)
  const caPem = readText(slapd.caFile)
  const sync = (name: string) => syncRepository(services, name, { trigger: 'command' })
  const refusal = { message: 'an ldap:// URL without StartTLS would send the bind password, and the passwords checked at login, in clear' }
  const { allowPlainLdap: _, ...plain } = { ...repositorySettings(slapd), groups: [], mobileGroup: '', filter: '(uid=nobody)' }

  await t.rejects(addRepository(services, plain), refusal)
  t.same(await repositoryList(services), [], 'nothing was added')
  await addRepository(services, { ...plain, allowPlainLdap: true })
  t.match(await requireRepository(services, 'corp'), { start_tls: 0, allow_plain_ldap: 1 })
  t.match(await sync('corp'), { status: 'ok' }, 'allowed by name: used')

  await changeRepository(services, 'corp', { startTls: true, caPem, bindPassword: servicePassword })
  t.match(await requireRepository(services, 'corp'), { start_tls: 1, allow_plain_ldap: 0 }, 'with StartTLS the permission is dropped')
  await t.rejects(changeRepository(services, 'corp', { startTls: false, bindPassword: servicePassword }), refusal, 'so going back needs it again')
  await changeRepository(services, 'corp', { startTls: false, allowPlainLdap: true, bindPassword: servicePassword })
  t.match(await requireRepository(services, 'corp'), { start_tls: 0, allow_plain_ldap: 1 })
  await addRepository(services, { ...plain, name: 'ldaps', url: slapd.tlsUrl, caPem, allowPlainLdap: true })
  t.match(await requireRepository(services, 'ldaps'), { allow_plain_ldap: 0 }, 'nor is it kept where TLS makes it moot')

  // a repository stored before the permission existed (migration 008 gives it 0): never connected
  let connections = 0
  const listener = createServer((socket) => {
    connections++
    socket.destroy()
  })
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => listener.close(resolve)))
  const address = listener.address()
  const legacyUrl = `ldap://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  await addRepository(services, { ...plain, name: 'legacy', url: legacyUrl, allowPlainLdap: true })
  await services.db.updateTable('repositories').set({ allow_plain_ldap: 0 }).where('name', '=', 'legacy').execute()
  const refused = await sync('legacy')
  t.equal(refused.status, 'failed')
  t.equal(refused.error, `directory ${legacyUrl}: plain LDAP without StartTLS is not allowed for this directory (it would send passwords in clear)`)
  t.equal(await checkBind(targetOf(await requireRepository(services, 'legacy')), personDn('alice'), 'a-password'), 'unavailable', 'nor is a password checked through it')
  t.equal(connections, 0, 'nothing was sent to it')
  await t.rejects(changeRepository(services, 'legacy', { intervalMinutes: 5 }), refusal, 'and no change is taken until it says')

  await warnPlainLdap(services)
  const warnings = logs.filter((r) => r.level === 40 && typeof r.repository === 'string' && /plain LDAP/.test(String(r.msg)))
  t.same(
    warnings.map((r) => [r.repository, r.msg]),
    [
      ['corp', `User repository "corp" uses plain LDAP (${slapd.url} without StartTLS): its bind password and the passwords checked at login cross the network in clear`],
      ['legacy', `User repository "legacy" uses plain LDAP (${legacyUrl} without StartTLS) and is not used: give it StartTLS or an ldaps:// URL, or allow plain LDAP (repository set legacy --allow-plain-ldap)`],
    ],
    'one warning a plain repository, none for TLS',
  )
})
