import { once } from 'node:events'
import { connect } from 'node:net'
import t from 'tap'
import { loadConfig } from '../src/config.js'
import { build, element, post, sasRequest } from './helpers/build.js'

// Spec §1: the three paths, the content types a request may come with, the reply's bytes.

const ping = sasRequest('<RequestID>1</RequestID><Action>ping</Action>')
const declaration = '<?xml version="1.0" encoding="UTF-8"?>'

t.test('the three paths serve the protocol; others do not', async (t) => {
  const { app } = await build(t)
  for (const path of ['/pinsafe/AgentXML', '/sentry/AgentXML', '/proxy/AgentXML']) {
    const reply = await post(app, ping, path)
    t.equal(reply.statusCode, 200, path)
    t.equal(element(reply.body, 'Result'), 'PASS', path)
  }
  for (const path of ['/PINSAFE/AgentXML', '/pinsafe/agentxml', '/AgentXML', '/pinsafe/AgentXML/extra', '/other/AgentXML']) {
    const reply = await post(app, ping, path)
    t.equal(reply.statusCode, 404, `${path} is not a path of the protocol`)
    t.equal(reply.headers['content-type'], 'text/xml; charset=UTF-8')
    t.ok(reply.body.startsWith(declaration), 'a 404 is still XML')
  }
})

t.test('a request is read whatever its content type says', async (t) => {
  const { app } = await build(t)
  const types = [
    'text/xml',
    'text/xml; charset=UTF-8',
    'application/xml',
    'application/xml; charset=utf-8',
    'application/xml;charset="UTF-8"',
    'TEXT/XML',
    // legacy clients send a wrong one
    'application/x-www-form-urlencoded',
    'text/plain',
    'application/octet-stream',
    'application/json',
  ]
  for (const type of types) {
    const reply = await app.inject({ method: 'POST', url: '/pinsafe/AgentXML', headers: { 'content-type': type }, payload: ping })
    t.equal(reply.statusCode, 200, type)
    t.equal(element(reply.body, 'Result'), 'PASS', type)
    t.equal(element(reply.body, 'RequestID'), '1', `${type}: the body was read, not guessed`)
  }
})

t.test('a request with no content type, or an empty one, is read too', async (t) => {
  const { app } = await build(t)
  const none = await app.inject({ method: 'POST', url: '/pinsafe/AgentXML', payload: Buffer.from(ping) })
  t.equal(none.headers['content-type'], 'text/xml; charset=UTF-8')
  t.equal(element(none.body, 'Result'), 'PASS', 'no Content-Type header')
  const empty = await app.inject({ method: 'POST', url: '/pinsafe/AgentXML', headers: { 'content-type': '' }, payload: ping })
  t.equal(element(empty.body, 'Result'), 'PASS', 'an empty Content-Type header')
})

t.test('a content type that is not even a media type is ignored too', async (t) => {
  const { app } = await build(t)
  for (const type of [';;;', 'xml', 'text', 'text/xml, application/xml', 'é/è']) {
    const reply = await app.inject({ method: 'POST', url: '/pinsafe/AgentXML', headers: { 'content-type': type }, payload: ping })
    t.equal(reply.statusCode, 200, `${type}: not 415`)
    t.equal(element(reply.body, 'Result'), 'PASS', type)
  }
})

t.test('every reply is HTTP 200, text/xml; charset=UTF-8, and starts with the UTF-8 declaration', async (t) => {
  const { app } = await build(t)
  const requests = [ping, sasRequest('<Action>frobnicate</Action>'), sasRequest('<Action>SecurityStrings</Action><Id>x</Id>'), '<nope/>']
  for (const xml of requests) {
    for (const path of ['/pinsafe/AgentXML', '/proxy/AgentXML']) {
      const reply = await post(app, xml, path)
      t.equal(reply.statusCode, 200)
      t.equal(reply.headers['content-type'], 'text/xml; charset=UTF-8', 'exactly this Content-Type')
      t.ok(reply.rawPayload.subarray(0, declaration.length).equals(Buffer.from(declaration)), 'the declaration is the first bytes')
      t.equal(reply.body.indexOf('<SASResponse>'), declaration.length + 1, 'then a newline and the root')
    }
  }
})

t.test('the reply children come in the order Version, RequestID, Result, Error, then the action', async (t) => {
  const { app } = await build(t)
  // Error and RequestID both present: a FAIL with an echoed id
  const fail = await post(app, '<SASRequest><RequestID>7</RequestID><Action>frobnicate</Action><Version>3.4</Version></SASRequest>')
  const names = [...fail.body.matchAll(/<(\w+)>/g)].map((m) => m[1])
  t.same(names, ['SASResponse', 'Version', 'RequestID', 'Result', 'Error'])
  const pass = await post(app, '<SASRequest><Action>ping</Action><Version>3.4</Version></SASRequest>')
  t.same([...pass.body.matchAll(/<(\w+)>/g)].map((m) => m[1]), ['SASResponse', 'Version', 'Result'], 'no RequestID when none was sent, no Error on PASS')
})

t.test('GET, PUT and DELETE on the AgentXML path answer XML, never JSON', async (t) => {
  const { app } = await build(t)
  for (const method of ['GET', 'PUT', 'DELETE'] as const) {
    const reply = await app.inject({ method, url: '/pinsafe/AgentXML', payload: method === 'GET' ? undefined : ping })
    t.ok(reply.statusCode >= 400, `${method} is refused`)
    t.equal(reply.headers['content-type'], 'text/xml; charset=UTF-8', method)
    t.notMatch(reply.body, /^\s*[{[]/, 'not JSON')
  }
})

t.test('a client that never finishes its request gets 408 in XML, and the server keeps serving', async (t) => {
  const { app, logs } = await build(t, { flags: { 'request-timeout': '1' } })
  const url = new URL(await app.listen({ host: '127.0.0.1', port: 0 }))
  const socket = connect(Number(url.port), url.hostname)
  socket.write('POST /proxy/AgentXML HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 100\r\n\r\n<SASRequest>')
  const started = Date.now()
  let received = ''
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')))
  await once(socket, 'close')
  const waited = Date.now() - started
  t.match(received, /^HTTP\/1\.1 408 /, `408 after ${waited} ms`)
  t.ok(waited >= 900 && waited < 5000, 'after the request timeout, not at once and not much later')
  t.match(received, /content-type: text\/xml; charset=UTF-8/i)
  t.match(received, /<\?xml version="1\.0" encoding="UTF-8"\?>/)
  t.ok(logs.some((line) => line.errorCode === 'ERR_HTTP_REQUEST_TIMEOUT'), 'and it is logged')
  const ping = await fetch(new URL('/proxy/AgentXML', url), { method: 'POST', body: sasRequest('<Action>ping</Action>') })
  t.equal(element(await ping.text(), 'Result'), 'PASS')
})

t.test('the request timeout is checked when the configuration is read', async (t) => {
  for (const value of ['0', '3601', 'soon', '1.5']) {
    t.throws(() => loadConfig({ 'request-timeout': value }, {}), /--request-timeout must be a number of seconds from 1 to 3600/, value)
  }
  t.equal(loadConfig({}, {}).requestTimeout, 30, 'thirty seconds unless set')
  t.equal(loadConfig({}, { AGENTXML_REQUEST_TIMEOUT: '90' }).requestTimeout, 90)
})
