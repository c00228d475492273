import t, { type Test } from 'tap'
import { changeDeliverySettings } from '../src/domain/delivery-admin.js'
import { build } from './helpers/build.js'
import { validate } from './helpers/xsd.js'

// Spec §10: GET /ssdserver/getServerDetails?id=<site id>, for this server's own site id.

const declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'
const unknown = `${declaration}<getServerDetailsResponse><responseCode>1</responseCode></getServerDetailsResponse>\n`
const known = (hostname: string, ssl: 'YES' | 'NO', port: number, connectionType: string) =>
  `${declaration}<getServerDetailsResponse><responseCode>0</responseCode><SSDetails>` +
  `<hostname>${hostname}</hostname><usingSSL>${ssl}</usingSSL><pushSupport>NO</pushSupport>` +
  `<local>NO</local><pin>YES</pin><oath>NO</oath><port>${port}</port><connectionType>${connectionType}</connectionType>` +
  '</SSDetails></getServerDetailsResponse>\n'

async function lookup(t: Test, flags: Record<string, string>, query: string) {
  const { app } = await build(t, { flags, sharedSettings: true })
  const reply = await app.inject({ method: 'GET', url: `/ssdserver/getServerDetails${query}` })
  return reply
}

t.test('the configured site id answers with the --public-url details (the spec example)', async (t) => {
  const reply = await lookup(t, { 'site-id': 'acme', 'public-url': 'https://auth.example.com:8443/proxy' }, '?id=acme')
  t.equal(reply.statusCode, 200)
  t.equal(reply.headers['content-type'], 'text/xml; charset=UTF-8')
  t.equal(reply.body, known('auth.example.com', 'YES', 8443, 'proxy'))
  t.same(await validate(reply.body), [], 'valid against the schema')
})

t.test('an unknown, missing or repeated site id answers responseCode 1 and nothing else', async (t) => {
  const flags = { 'site-id': 'acme', 'public-url': 'https://auth.example.com:8443/proxy' }
  for (const query of ['?id=other', '?id=ACME', '?id=', '', '?id=acme&id=acme', '?site=acme']) {
    const reply = await lookup(t, flags, query)
    t.equal(reply.statusCode, 200, query || '(no query)')
    t.equal(reply.body, unknown, query || '(no query)')
  }
  t.same(await validate(unknown), [], 'valid against the schema')
})

t.test('without a configured site id, every id is unknown', async (t) => {
  t.equal((await lookup(t, {}, '?id=acme')).body, unknown)
  t.equal((await lookup(t, { 'public-url': 'https://auth.example.com/proxy' }, '?id=acme')).body, unknown)
})

t.test('the details follow --public-url: scheme, default ports, first path segment', async (t) => {
  const cases: [string, string][] = [
    ['https://auth.example.com/proxy', known('auth.example.com', 'YES', 443, 'proxy')],
    ['http://auth.example.com/proxy', known('auth.example.com', 'NO', 80, 'proxy')],
    ['http://10.0.0.5:8080/pinsafe', known('10.0.0.5', 'NO', 8080, 'pinsafe')],
    ['https://auth.example.com:8443/sentry/', known('auth.example.com', 'YES', 8443, 'sentry')],
    ['https://auth.example.com:8443', known('auth.example.com', 'YES', 8443, 'proxy')],
  ]
  for (const [url, expected] of cases) {
    t.equal((await lookup(t, { 'site-id': 'acme', 'public-url': url }, '?id=acme')).body, expected, url)
  }
})

t.test('without --public-url, the details are how the server listens', async (t) => {
  const reply = await lookup(t, { 'site-id': 'acme', host: 'auth.internal', port: '9090' }, '?id=acme')
  t.equal(reply.body, known('auth.internal', 'NO', 9090, 'proxy'))
})

t.test('with --port 0 the details give the port the system picked', async (t) => {
  const { app } = await build(t, { flags: { 'site-id': 'acme', port: '0' }, sharedSettings: true })
  const url = new URL(await app.listen({ host: '127.0.0.1', port: 0 }))
  const reply = await fetch(new URL('/ssdserver/getServerDetails?id=acme', url))
  t.equal(await reply.text(), known('127.0.0.1', 'NO', Number(url.port), 'proxy'))
  t.not(url.port, '0')
})

t.test('a site id with an XML special character is matched decoded', async (t) => {
  const reply = await lookup(t, { 'site-id': 'a&b', host: 'auth.internal', port: '9090' }, `?id=${encodeURIComponent('a&b')}`)
  t.equal(reply.body, known('auth.internal', 'NO', 9090, 'proxy'))
})

t.test('a site id and public URL in the shared settings answer at the next request, and a flag still overrides them', async (t) => {
  const { app, services } = await build(t, { sharedSettings: true })
  const get = async (query: string) => (await app.inject({ method: 'GET', url: `/ssdserver/getServerDetails${query}` })).body
  t.equal(await get('?id=acme'), unknown, 'no site id yet')
  await changeDeliverySettings(services, new Map([['site-id', 'acme'], ['public-url', 'https://auth.example.com:8443/proxy']]))
  t.equal(await get('?id=acme'), known('auth.example.com', 'YES', 8443, 'proxy'), 'set on any node (here the same database), no restart')
  await changeDeliverySettings(services, new Map([['site-id', undefined]]))
  t.equal(await get('?id=acme'), unknown, 'unset: every id is unknown again')

  const overridden = await build(t, { flags: { 'site-id': 'local' }, sharedSettings: true })
  await changeDeliverySettings(overridden.services, new Map([['site-id', 'acme']]))
  const reply = await overridden.app.inject({ method: 'GET', url: '/ssdserver/getServerDetails?id=local' })
  t.match(reply.body, '<responseCode>0</responseCode>', "this node's --site-id wins over the shared one")
})
