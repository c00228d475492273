import { Readable } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Socket } from 'node:net'
import type { FastifyInstance, InjectOptions } from 'fastify'
import t, { type Test } from 'tap'
import { clientError as clientErrorFor } from '../src/routes/framework-errors.js'
import { build, element, sasRequest } from './helpers/build.js'
import { validateAll } from './helpers/xsd.js'

// The hostile inputs of issue 2 (docs/protocol.md §1): each gets an XML reply with the catalogued error,
// never JSON or a stack trace; the server keeps answering; memory stays bounded.

interface Hostile {
  readonly name: string
  readonly request: InjectOptions
  readonly status: number
  /** Harmless after all: read as an unknown attribute and ignored. */
  readonly passes?: true
}

const xml = (payload: string | Buffer, url = '/pinsafe/AgentXML', type = 'text/xml'): InjectOptions => ({
  method: 'POST',
  url,
  headers: { 'content-type': type },
  payload,
})

const billionLaughs =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
  Array.from({ length: 9 }, (_, n) => `<!ENTITY lol${n + 1} "${`&lol${n || ''};`.repeat(10)}">`).join('') +
  ']><SASRequest><Version>3.6</Version><Action>ping</Action><RequestID>&lol9;</RequestID></SASRequest>'
const externalEntity =
  '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><SASRequest><Version>3.6</Version><Action>ping</Action><RequestID>&xxe;</RequestID></SASRequest>'
const tenMegabytes = Buffer.concat([Buffer.from('<SASRequest><Version>3.6</Version><Action>ping</Action><RequestID>'), Buffer.alloc(10 * 1024 * 1024, 'a'), Buffer.from('</RequestID></SASRequest>')])
const nested = (depth: number) => `<SASRequest><Version>3.6</Version><Action>ping</Action>${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</SASRequest>`
const withBytes = (bytes: number[]) =>
  Buffer.concat([Buffer.from('<SASRequest><Version>3.6</Version><Action>ping</Action><Username>'), Buffer.from(bytes), Buffer.from('</Username></SASRequest>')])

const hostile: Hostile[] = [
  { name: 'not well-formed: unclosed element', request: xml('<SASRequest><Version>3.6</Version><Action>ping</Action>'), status: 200 },
  { name: 'not well-formed: mismatched tags', request: xml('<SASRequest><Version>3.6</Action></SASRequest>'), status: 200 },
  { name: 'not well-formed: a bare ampersand', request: xml(sasRequest('<Action>ping</Action><Username>a & b</Username>')), status: 200 },
  { name: 'not well-formed: two roots', request: xml(`${sasRequest('<Action>ping</Action>')}<SASRequest/>`), status: 200 },
  { name: 'not well-formed: plain text', request: xml('hello'), status: 200 },
  { name: 'not well-formed: an unterminated comment', request: xml(`<SASRequest>${'<!--'.repeat(10000)}`), status: 200 },
  { name: 'billion laughs DOCTYPE', request: xml(billionLaughs), status: 200 },
  { name: 'external entity DOCTYPE (XXE)', request: xml(externalEntity), status: 200 },
  { name: 'an undeclared entity', request: xml(sasRequest('<Action>ping</Action><RequestID>&lol9;</RequestID>')), status: 200 },
  { name: 'a 10 MB body', request: xml(tenMegabytes), status: 413 },
  { name: 'a body one byte over 64 KiB', request: xml(Buffer.alloc(64 * 1024 + 1, ' ')), status: 413 },
  { name: 'an empty body', request: xml(''), status: 200 },
  { name: 'a whitespace body', request: xml('  \n '), status: 200 },
  { name: 'a JSON body', request: xml('{"SASRequest":{"Version":"3.6","Action":"ping"}}', '/pinsafe/AgentXML', 'application/json'), status: 200 },
  { name: 'a broken JSON body', request: xml('{"Action":', '/pinsafe/AgentXML', 'application/json'), status: 200 },
  { name: 'a form body', request: xml('Action=ping&Version=3.6', '/pinsafe/AgentXML', 'application/x-www-form-urlencoded'), status: 200 },
  { name: '10 000 nested elements (over the size limit too)', request: xml(nested(10_000)), status: 413 },
  { name: '9 000 nested elements (under the size limit)', request: xml(nested(9_000)), status: 200 },
  { name: 'invalid UTF-8: stray bytes', request: xml(withBytes([0xff, 0xfe])), status: 200 },
  { name: 'invalid UTF-8: a truncated sequence', request: xml(withBytes([0xe6, 0x97])), status: 200 },
  { name: 'invalid UTF-8: an overlong encoding', request: xml(withBytes([0xc0, 0xaf])), status: 200 },
  { name: 'invalid UTF-8: an encoded surrogate', request: xml(withBytes([0xed, 0xa0, 0x80])), status: 200 },
  { name: 'UTF-16', request: xml(Buffer.from(`\ufeff${sasRequest('<Action>ping</Action>')}`, 'utf16le')), status: 200 },
  { name: 'a NUL byte', request: xml(withBytes([0x00])), status: 200 },
  { name: 'an element named __proto__', request: xml(sasRequest('<Action>ping</Action><__proto__><polluted>yes</polluted></__proto__>')), status: 200 },
  { name: 'an element named constructor', request: xml(sasRequest('<Action>ping</Action><constructor><prototype><polluted>yes</polluted></prototype></constructor>')), status: 200 },
  { name: 'an attribute named __proto__', request: xml('<SASRequest __proto__="x" version="3.6"><Action>ping</Action></SASRequest>'), status: 200, passes: true },
  { name: 'an unknown path', request: xml(sasRequest('<Action>ping</Action>'), '/pinsafe/NoSuchService'), status: 404 },
  { name: 'a path traversal', request: xml(sasRequest('<Action>ping</Action>'), '/pinsafe/../../etc/passwd'), status: 404 },
  { name: 'a URL that cannot be decoded', request: xml(sasRequest('<Action>ping</Action>'), '/pinsafe/AgentXML%'), status: 400 },
  { name: 'a path with a broken UTF-8 escape', request: xml(sasRequest('<Action>ping</Action>'), '/pinsafe/%E0%A4%A'), status: 400 },
  { name: 'a GET on the AgentXML path', request: { method: 'GET', url: '/pinsafe/AgentXML' }, status: 404 },
  { name: 'a GET with a query', request: { method: 'GET', url: '/proxy/AgentXML?Action=ping' }, status: 404 },
]

/** What every reply of the server must look like, whatever was sent. */
function assertXmlReply(t: Test, { name, status, passes }: Hostile, reply: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  t.equal(reply.statusCode, status, `${name}: HTTP ${status}`)
  t.equal(reply.headers['content-type'], 'text/xml; charset=UTF-8', `${name}: XML content type`)
  t.ok(reply.body.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'), `${name}: XML declaration`)
  t.throws(() => JSON.parse(reply.body), `${name}: not JSON`)
  t.notMatch(reply.body, /\bat \S+ \(|node_modules|\.[jt]s:\d|Error:|stack/i, `${name}: no stack trace`)
  if (status === 404) t.match(reply.body, /<Error>Not Found<\/Error>/, `${name}: the short 404 body`)
  else if (passes) t.equal(element(reply.body, 'Result'), 'PASS', `${name}: ignored`)
  else {
    t.equal(element(reply.body, 'Result'), 'FAIL', `${name}: FAIL`)
    t.equal(element(reply.body, 'Error'), 'AGENT_ERROR_GENERAL', `${name}: the catalogued error`)
  }
}

async function pingAnswers(app: FastifyInstance): Promise<boolean> {
  const reply = await app.inject(xml(sasRequest('<Action>ping</Action>')))
  return reply.statusCode === 200 && element(reply.body, 'Result') === 'PASS'
}

t.test('each hostile input gets an XML FAIL with the catalogued error, and the server keeps answering', async (t) => {
  const { app } = await build(t)
  const replies: { name: string; xml: string }[] = []
  for (const input of hostile) {
    const { name, request } = input
    const started = performance.now()
    const reply = await app.inject(request)
    t.ok(performance.now() - started < 2000, `${name}: answered in ${Math.round(performance.now() - started)} ms`)
    assertXmlReply(t, input, reply)
    t.ok(await pingAnswers(app), `${name}: a ping still answers PASS`)
    replies.push({ name: name.replace(/[^A-Za-z0-9]+/g, '-'), xml: reply.body })
  }
  const errors = await validateAll(replies)
  for (const { name } of replies) t.same(errors.get(name), [], `${name}: the reply is valid against the schema`)
})

t.test('a 10 MB body streamed without Content-Length is cut off at the limit', async (t) => {
  const { app } = await build(t)
  let sent = 0
  const chunk = Buffer.alloc(64 * 1024, 'a')
  const body = Readable.from(
    (function* () {
      yield Buffer.from('<SASRequest><Version>3.6</Version><Action>ping</Action><RequestID>')
      for (; sent < 10 * 1024 * 1024; sent += chunk.length) yield chunk
    })(),
  )
  const reply = await app.inject({ method: 'POST', url: '/pinsafe/AgentXML', headers: { 'content-type': 'text/xml' }, payload: body })
  assertXmlReply(t, { name: 'streamed 10 MB', request: {}, status: 413 }, reply)
  t.ok(await pingAnswers(app), 'a ping still answers PASS')
})

t.test('malformed HTTP, answered on the raw socket, is answered in XML too', async (t) => {
  const { services } = await build(t)
  const clientError = clientErrorFor(services)
  for (const [code, status] of [['HPE_INVALID_METHOD', 400], ['HPE_HEADER_OVERFLOW', 431], ['ERR_HTTP_REQUEST_TIMEOUT', 408]] as const) {
    const written: Buffer[] = []
    let destroyed = false
    const socket = { writable: true, destroyed: false, write: (data: Buffer) => written.push(data), destroy: () => (destroyed = true) }
    clientError(Object.assign(new Error('parse error'), { code }), socket as unknown as Socket)
    const [head = '', body = ''] = Buffer.concat(written).toString('utf8').split('\r\n\r\n')
    t.match(head, new RegExp(`^HTTP/1.1 ${status} `), `${code}: ${status}`)
    t.match(head, /\r\nContent-Type: text\/xml; charset=UTF-8\r\n/, `${code}: XML`)
    t.match(head, new RegExp(`\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`), `${code}: the length of the body`)
    t.equal(element(body, 'Error'), 'AGENT_ERROR_GENERAL', `${code}: the catalogued error`)
    t.ok(destroyed, `${code}: the connection is closed`)
  }
  const reset = { writable: true, destroyed: false, write: () => t.fail('nothing is written to a reset connection'), destroy: () => {} }
  clientError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), reset as unknown as Socket)
})

t.test('no entity is expanded and no file is read', async (t) => {
  const { app } = await build(t)
  for (const body of [billionLaughs, externalEntity]) {
    const reply = await app.inject(xml(body))
    t.notMatch(reply.body, /lol|root:|RequestID/, 'nothing of the entities reaches the reply')
  }
})

t.test('prototype-pollution names change nothing', async (t) => {
  const { app } = await build(t)
  const names = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__']
  for (const name of names) {
    await app.inject(xml(sasRequest(`<Action>ping</Action><${name}><polluted>yes</polluted></${name}>`)))
    await app.inject(xml(`<SASRequest ${name}="yes"><Version>3.6</Version><Action>ping</Action></SASRequest>`))
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched')
  t.equal(Object.getOwnPropertyNames(Object.prototype).includes('polluted'), false)
  // as values they are just strings: an unknown user fails like any other
  const reply = await app.inject(xml(sasRequest('<Action>provision</Action><Username>__proto__</Username><ProvisionCode>constructor</ProvisionCode>')))
  t.equal(element(reply.body, 'Error'), 'PROVISION_FAILURE', '__proto__ as a user name is an unknown user')
  const toString = await app.inject(xml(sasRequest('<Action>ping</Action><toString>x</toString>')))
  t.equal(element(toString.body, 'Result'), 'PASS', 'a harmless built-in name is just an unknown element')
})

t.test('hostile requests never put a stack or the request into the log', async (t) => {
  const { app, lines } = await build(t)
  for (const { request } of hostile) await app.inject(request)
  for (const line of lines) {
    t.notMatch(line, /"stack"|node_modules|lol9|file:\/\/\/etc/, 'no stack, no request content')
  }
})

t.test('memory stays bounded over 200 rounds of the hostile set', async (t) => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const { app, logs, lines } = await build(t)
  // the 10 MB bodies cost time, not server memory: a few rounds of them are enough
  const round = async (n: number) => {
    for (const { request, status } of hostile) {
      if (status === 413 && n % 20 !== 0) continue
      await app.inject(request)
    }
    logs.length = 0
    lines.length = 0
  }
  for (let n = 0; n < 20; n++) await round(n)
  gc()
  const before = process.memoryUsage().heapUsed
  for (let n = 0; n < 200; n++) await round(n)
  gc()
  const growth = process.memoryUsage().heapUsed - before
  t.ok(growth < 16 * 1024 * 1024, `heap grew ${(growth / 1024 / 1024).toFixed(1)} MB over 200 rounds (limit 16 MB)`)
  t.ok(await pingAnswers(app), 'and the server still answers')
})
