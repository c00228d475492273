import t from 'tap'
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
