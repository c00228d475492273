import t from 'tap'
import { syncRepository } from '../src/domain/directory-sync.js'
import { checkBind } from '../src/directory/ldap.js'
import { build } from './helpers/build.js'
import { addTestRepository } from './helpers/directory.js'
import { readText, serviceDn, servicePassword, type Slapd, slapdSkip, startSlapd } from './helpers/slapd.js'

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

  const target = (slapd: Slapd) => ({ url: slapd.url, startTls: true, caPem: readText(slapd.caFile) })
  t.equal(await checkBind(target(forIp), serviceDn, servicePassword), 'ok', 'a password check binds over the same checked connection')
  t.equal(await checkBind(target(forLocalhost), serviceDn, servicePassword), 'unavailable', 'and never to the wrong certificate')

  // ldaps:// was right already: it stays so
  await add(forIp, 'ip-ldaps', forIp.tlsUrl, false)
  t.match(await sync('ip-ldaps'), { status: 'ok' })
  await add(forLocalhost, 'localhost-ldaps', forLocalhost.tlsUrl, false)
  t.match(await sync('localhost-ldaps'), { status: 'failed', error: /IP: 127\.0\.0\.1 is not in the cert's list/ })
})
