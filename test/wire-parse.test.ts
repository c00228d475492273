import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import t from 'tap'
import { addAgent } from '../src/domain/agents.js'
import { isPlainDocument, parseAgentRequest, parseDocument, parserOptions } from '../src/wire/parse.js'
import { build, element, post, sasRequest } from './helpers/build.js'
import { agentSecret, seedAgent, seedCode, seedUser } from './helpers/seed.js'

// Spec §1–2: how a <SASRequest> is read. Replies are checked through app.inject(); a few
// checks read the parsed request directly where the reply cannot show a value.

const parse = (xml: string) => parseAgentRequest(Buffer.from(xml))
const result = (body: string) => `${element(body, 'Result')}${element(body, 'Error') ? ` ${element(body, 'Error')}` : ''}`
const singular = ['Version', 'Secret', 'RequestID', 'Action', 'Username', 'ProvisionCode', 'DeviceOS', 'PushId', 'Id', 'OTC', 'Password']

t.test('RequestID is echoed verbatim on PASS and FAIL, and absent when not sent', async (t) => {
  const { app } = await build(t)
  for (const id of ['1000', '007', 'abc-DEF_1.2', '  42  ']) {
    const pass = await post(app, sasRequest(`<RequestID>${id}</RequestID><Action>ping</Action>`))
    t.equal(element(pass.body, 'RequestID'), id.trim(), `PASS echoes "${id}" (trimmed)`)
    const fail = await post(app, sasRequest(`<RequestID>${id}</RequestID><Action>nope</Action>`))
    t.equal(element(fail.body, 'RequestID'), id.trim(), `FAIL echoes "${id}"`)
  }
  const none = await post(app, sasRequest('<Action>ping</Action>'))
  t.notMatch(none.body, /RequestID/, 'no RequestID element at all when none was sent')
  const empty = await post(app, sasRequest('<RequestID></RequestID><Action>ping</Action>'))
  t.match(empty.body, /<RequestID><\/RequestID>/, 'an empty RequestID is echoed empty')
})

t.test('the Action value is matched case-insensitively, element names are not', async (t) => {
  const { app, services } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedAgent(services)
  for (const action of ['ping', 'PING', 'Ping', 'pInG']) {
    t.equal(result((await post(app, sasRequest(`<Action>${action}</Action>`), '/proxy/AgentXML')).body), 'PASS', action)
  }
  for (const action of ['provision', 'Provision', 'PROVISION']) {
    await seedCode(services, 'alice', 'K7QF2M9XWD')
    const body = sasRequest(`<Action>${action}</Action><Username>alice</Username><ProvisionCode>K7QF2M9XWD</ProvisionCode>`)
    t.equal(result((await post(app, body, '/proxy/AgentXML')).body), 'PASS', action)
  }
  for (const action of ['reprovision', 'Reprovision', 'REPROVISION', 'rePROvision']) {
    const body = sasRequest(`<Secret>${agentSecret}</Secret><Action>${action}</Action><Username>alice</Username>`)
    t.equal(result((await post(app, body)).body), 'PASS', action)
  }
  for (const action of ['SecurityStrings', 'securitystrings', 'SECURITYSTRINGS']) {
    const body = sasRequest(`<Action>${action}</Action><Id>0123456789abcdef0123456789abcdef</Id>`)
    t.equal(result((await post(app, body, '/proxy/AgentXML')).body), 'FAIL AGENT_ERROR_NO_USER_FOUND', `${action} reaches the action`)
  }
  t.equal(result((await post(app, '<SASRequest><version>3.6</version><action>ping</action></SASRequest>')).body), 'FAIL AGENT_ERROR_GENERAL', 'lower-case element names are other elements')
  t.equal(result((await post(app, sasRequest('<Action>ping </Action>'))).body), 'PASS', 'the value is trimmed before matching')
  t.equal(result((await post(app, sasRequest('<Action>pin g</Action>'))).body), 'FAIL AGENT_ERROR_GENERAL', 'but not squeezed')
})

t.test('the attribute form carries version and secret; child elements win', async (t) => {
  const { app, services } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedAgent(services)
  const attrs = await post(app, `<SASRequest secret="${agentSecret}" version="3.4"><Action>reprovision</Action><Username>alice</Username></SASRequest>`)
  t.equal(result(attrs.body), 'PASS', 'the secret attribute authenticates')
  t.equal(element(attrs.body, 'Version'), '3.4', 'the version attribute is echoed')

  const versions = await post(app, '<SASRequest version="3.4"><Version>3.1</Version><Action>ping</Action></SASRequest>')
  t.equal(element(versions.body, 'Version'), '3.1', 'the Version element wins')
  const secrets = await post(app, `<SASRequest secret="${agentSecret}"><Version>3.6</Version><Secret>wrong-secret</Secret><Action>reprovision</Action><Username>alice</Username></SASRequest>`)
  t.equal(result(secrets.body), 'FAIL AGENT_ERROR_AGENT_ACCESS', 'the Secret element wins, even when wrong')
  const emptyChild = parse('<SASRequest version="3.4"><Version></Version><Action>ping</Action></SASRequest>')
  t.equal(emptyChild.version, '', 'a present but empty element still wins (and then fails as missing)')
  t.equal(result((await post(app, '<SASRequest version="3.4"><Version></Version><Action>ping</Action></SASRequest>')).body), 'FAIL AGENT_ERROR_GENERAL')
  const other = parse('<SASRequest Version="3.4" SECRET="x" requestid="5"><Action>ping</Action></SASRequest>')
  t.same([other.version, other.secret, other.requestId], [undefined, undefined, undefined], 'attribute names are case-sensitive, and only secret and version exist')
})

t.test('values are strings, trimmed, never numbers', async (t) => {
  const request = parse('<SASRequest><Version> 3.10 </Version><Action>provision</Action><Username>\n\t007123\n</Username><ProvisionCode>0071234567</ProvisionCode><PushId>1e3</PushId><DeviceOS>true</DeviceOS></SASRequest>')
  t.equal(request.version, '3.10', '3.10 is not 3.1')
  t.equal(request.fields.Username, '007123')
  t.equal(request.fields.ProvisionCode, '0071234567')
  t.equal(request.fields.PushId, '1e3')
  t.equal(request.fields.DeviceOS, 'true')
  t.equal(parse(sasRequest('<Action>ping</Action><Username>a  b</Username>')).fields.Username, 'a  b', 'inner whitespace is kept')

  const { app, services } = await build(t)
  await seedUser(services, { name: '007123' })
  await seedCode(services, '007123', '0071234567')
  const reply = await post(app, sasRequest('<Action>provision</Action><Username> 007123 </Username><ProvisionCode>\n0071234567\n</ProvisionCode>'), '/proxy/AgentXML')
  t.equal(result(reply.body), 'PASS', 'the user 007123 with the code 0071234567, padded with whitespace')
  const version = await post(app, '<SASRequest><Version>3.10</Version><Action>ping</Action></SASRequest>')
  t.equal(element(version.body, 'Version'), '3.10', 'echoed as sent')
})

t.test('unknown extra elements are allowed and ignored', async (t) => {
  const { app } = await build(t)
  const extras = [
    '<ClientName>SwivelMobile</ClientName>',
    '<Extra>1</Extra><Extra>2</Extra>',
    '<Deep><Deeper><Deepest a="1">x</Deepest></Deeper></Deep>',
    '<Empty/>',
    '<toString>x</toString><hasOwnProperty>y</hasOwnProperty>',
  ]
  for (const extra of extras) {
    t.equal(result((await post(app, sasRequest(`<Action>ping</Action>${extra}`))).body), 'PASS', extra)
  }
  t.equal(result((await post(app, sasRequest('<Action kind="x">ping</Action>'))).body), 'PASS', 'attributes on a known element are ignored')
  t.same(Object.keys(parse(sasRequest('<Action>ping</Action><ClientName>x</ClientName>')).fields), ['ClientName'])
})

t.test('an element that occurs once appearing twice makes the request invalid', async (t) => {
  const { app } = await build(t)
  for (const name of singular) {
    const twice = `<${name}>a</${name}><${name}>b</${name}>`
    const body = name === 'Version' || name === 'Action' ? `<SASRequest>${twice}${name === 'Action' ? '<Version>3.6</Version>' : '<Action>ping</Action>'}</SASRequest>` : sasRequest(`<Action>ping</Action>${twice}`)
    t.equal(result((await post(app, body)).body), 'FAIL AGENT_ERROR_GENERAL', `${name} twice`)
  }
  const apart = sasRequest('<Username>alice</Username><Action>ping</Action><Username>alice</Username>')
  t.equal(result((await post(app, apart)).body), 'FAIL AGENT_ERROR_GENERAL', 'also when not adjacent, also with equal values')
  const nested = sasRequest('<Action>ping</Action><Username><b>alice</b></Username>')
  t.equal(result((await post(app, nested)).body), 'FAIL AGENT_ERROR_GENERAL', 'a singular element must hold text')
})

t.test('nesting: 32 levels are accepted, 33 are refused', async (t) => {
  const { app, logs } = await build(t)
  // SASRequest is level 1; the filler element holds the rest
  const nested = (depth: number) => sasRequest(`<Action>ping</Action>${'<a>'.repeat(depth - 1)}x${'</a>'.repeat(depth - 1)}`)
  t.equal(result((await post(app, nested(32))).body), 'PASS', 'depth 32')
  t.equal(result((await post(app, nested(33))).body), 'FAIL AGENT_ERROR_GENERAL', 'depth 33')
  t.ok(logs.some((r) => r.msg === 'AgentXML request failed, error: request is nested deeper than 32 levels'), 'the reason is logged')
})

t.test('escaped values round-trip: decoded once when read, escaped once when written', async (t) => {
  const { app } = await build(t)
  const cases: [string, string, string][] = [
    ['a&amp;b', 'a&b', 'a&amp;b'],
    ['&#65;&#x42;&#x1F600;', 'AB😀', 'AB😀'],
    ['&lt;tag&gt;', '<tag>', '&lt;tag&gt;'],
    ['&quot;q&apos;', `"q'`, '&quot;q&apos;'],
    ['&amp;amp;', '&amp;', '&amp;amp;'],
    ['<![CDATA[<x>&amp;]]>', '<x>&amp;', '&lt;x&gt;&amp;amp;'],
    // one pass: an escaped reference is text, not a reference
    ['&amp;#65;', '&#65;', '&amp;#65;'],
    ['&amp;lt;', '&lt;', '&amp;lt;'],
    ['<![CDATA[&#65;]]>', '&#65;', '&amp;#65;'],
  ]
  for (const [sent, value, echoed] of cases) {
    t.equal(parse(sasRequest(`<Action>ping</Action><RequestID>${sent}</RequestID>`)).requestId, value, `${sent} reads as ${value}`)
    const reply = await post(app, sasRequest(`<Action>ping</Action><RequestID>${sent}</RequestID>`))
    t.equal(/<RequestID>(.*)<\/RequestID>/.exec(reply.body)?.[1], echoed, `${sent} is echoed as ${echoed}`)
  }
  t.equal(parse('<SASRequest secret="a&amp;b&#67;&lt;&quot;" version="3.6"><Action>ping</Action></SASRequest>').secret, 'a&bC<"', 'attribute values too')
  t.equal(parse('<SASRequest secret="&amp;#67;" version="3.6"><Action>ping</Action></SASRequest>').secret, '&#67;', 'in one pass too')
})

t.test('a secret with XML special characters authenticates in both forms', async (t) => {
  const { app, services } = await build(t)
  await seedUser(services, { name: 'alice' })
  await addAgent(services, { name: 'portal', secret: `s3cr&t<"'>x`, networks: ['127.0.0.1/32'] })
  const escaped = 's3cr&amp;t&lt;&quot;&apos;&gt;x'
  const child = await post(app, sasRequest(`<Secret>${escaped}</Secret><Action>reprovision</Action><Username>alice</Username>`))
  t.equal(result(child.body), 'PASS', 'Secret element')
  const attribute = await post(app, `<SASRequest version="3.6" secret="${escaped}"><Action>reprovision</Action><Username>alice</Username></SASRequest>`)
  t.equal(result(attribute.body), 'PASS', 'secret attribute')
  const refs = await post(app, sasRequest(`<Secret>s3cr&#38;t&#x3C;&#34;&#39;&#62;x</Secret><Action>reprovision</Action><Username>alice</Username>`))
  t.equal(result(refs.body), 'PASS', 'character references')
})

t.test('references XML does not allow make the request not well-formed', async (t) => {
  const { app } = await build(t)
  for (const value of ['&lol;', '&nbsp;', '&#0;', '&#1;', '&#xD800;', '&#99999999;', 'a & b', '\u0001']) {
    t.equal(result((await post(app, sasRequest(`<Action>ping</Action><RequestID>${value}</RequestID>`))).body), 'FAIL AGENT_ERROR_GENERAL', JSON.stringify(value))
  }
  t.equal(result((await post(app, sasRequest('<Action>ping</Action><!-- a & b --><RequestID><![CDATA[&lol;]]></RequestID>'))).body), 'PASS', 'a literal & in a comment or CDATA is fine')
})

t.test('a UTF-8 user name and RequestID round-trip to the reply and the log', async (t) => {
  const { app, services, logs, lines } = await build(t)
  const name = 'Zoë Łukasiewicz-日本'
  await seedUser(services, { name, email: 'zoe@example.com' })
  await seedCode(services, name, 'K7QF2M9XWD')
  const id = 'réf–😀'
  const reply = await post(app, Buffer.from(sasRequest(`<RequestID>${id}</RequestID><Action>provision</Action><Username>${name}</Username><ProvisionCode>K7QF2M9XWD</ProvisionCode>`), 'utf8'), '/proxy/AgentXML')
  t.equal(result(reply.body), 'PASS', 'the user was found by its UTF-8 name')
  t.ok(reply.rawPayload.includes(Buffer.from(`<RequestID>${id}</RequestID>`, 'utf8')), 'the reply bytes carry the RequestID as UTF-8')
  t.ok(logs.some((r) => r.msg === `User "${name}" provisioned successfully` && r.user === name), 'the log record carries the name')
  t.ok(lines.some((line) => line.includes(name)), 'the raw log line holds it unescaped')
})

t.test('the fast well-formedness check accepts only what the validator accepts', async (t) => {
  // documents stitched from pieces of markup, right and wrong: whatever the shortcut lets
  // through must be well-formed by the validator's reckoning too
  const piece = fc.constantFrom(
    '<?xml version="1.0" encoding="UTF-8"?>', "<?xml version='1.0'?>", '<?xml version="1.1"?>',
    '<SASRequest>', '</SASRequest>', '<Version>', '</Version>', '<Action>', '</Action>', '<1a>', '</1a>',
    '<a b="1">', '<Id/>', '3.6', 'ping', ' ', '\n', '<', '>', '&', '&amp;', ']]>', '<!-- c -->', '<![CDATA[x]]>', 'é',
  )
  const tagName = fc.constantFrom('SASRequest', 'Version', 'Id', 'a', '_x', 'a.b-c', '1a', 'a b', '', 'é')
  const text = fc.string({ unit: fc.constantFrom('a', '1', ' ', '\n', '<', '>', '&', ';', ']', '"', "'", '/', '?'), maxLength: 6 })
  // mostly the start tag's name again, sometimes another
  const closing = fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: tagName })
  const child = fc.tuple(fc.constantFrom('', ' ', '\n'), tagName, text, closing).map(([space, open, body, close]) => `${space}<${open}>${body}</${close ?? open}>`)
  const stitched = fc.array(piece, { maxLength: 14 }).map((pieces) => pieces.join(''))
  const shaped = fc
    .tuple(fc.constantFrom('', '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-8"?>\n', ' '), tagName, fc.array(child, { maxLength: 4 }), closing, fc.constantFrom('', '\n', 'x'))
    .map(([declaration, open, children, close, tail]) => `${declaration}<${open}>${children.join('')}</${close ?? open}>${tail}`)
  let fast = 0
  await fc.assert(
    fc.property(fc.oneof(stitched, shaped), (text) => {
      if (!isPlainDocument(text)) return true
      fast++
      return XMLValidator.validate(text) === true
    }),
    { numRuns: 20_000 },
  )
  t.ok(fast > 0, `the shortcut was taken (${fast} times)`)
  for (const text of ['<SASRequest><Version>3.6</Version><Action>ping</Action></SASRequest>', '<?xml version="1.0" encoding="UTF-8"?>\n<SASRequest>\n <Id>ab</Id>\n</SASRequest>\n']) {
    t.ok(isPlainDocument(text), `a usual request takes the shortcut: ${JSON.stringify(text.slice(0, 30))}`)
  }
  for (const text of ['<a><b>x</c></a>', '<1a></1a>', '<a><b>x</b>', '<a>x</a>', '<a><b>&amp;</b></a>', ' <?xml version="1.0"?><a></a>']) {
    t.notOk(isPlainDocument(text), `and this one does not: ${text}`)
  }
})

t.test('a plain document is read exactly as the parser reads it', async (t) => {
  // parseDocument reads the usual shape itself; the parser, with the same options, is the reference
  const reference = new XMLParser(parserOptions)
  const outcome = (read: () => { root: string; content: unknown }) => {
    try {
      return { ok: read() }
    } catch {
      return { refused: true }
    }
  }
  const byParser = (text: string) =>
    outcome(() => {
      const document = reference.parse(text) as Record<string, unknown>
      const [root = ''] = Object.keys(document)
      return { root, content: document[root] }
    })
  const tagName = fc.constantFrom(
    'SASRequest', 'Version', 'Action', 'OTC', 'Id', 'a', '_x', 'a.b-c', 'A1',
    // names the parser refuses or renames, in any case
    '__proto__', 'constructor', 'Constructor', 'prototype', 'toString', 'TOSTRING', 'valueOf', 'hasOwnProperty', '__defineGetter__',
  )
  const value = fc.string({ unit: fc.constantFrom('a', 'Z', '1', ' ', '\t', '\n', '\r', '\u00a0', '\ufeff', '\u2028', '"', "'", '=', '/', '?', ';', ']', 'é', '😀'), maxLength: 8 })
  const space = fc.constantFrom('', ' ', '\n', '\r\n', '\t ')
  const child = fc.tuple(space, tagName, value).map(([before, name, text]) => `${before}<${name}>${text}</${name}>`)
  const document = fc
    .tuple(fc.constantFrom('', '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-8"?>\n'), tagName, fc.array(child, { maxLength: 6 }), space, space)
    .map(([declaration, root, children, inside, after]) => `${declaration}<${root}>${children.join('')}${inside}</${root}>${after}`)
  let plain = 0
  const differing: string[] = []
  fc.assert(
    fc.property(document, (text) => {
      if (isPlainDocument(text)) plain++
      if (!isDeepStrictEqual(outcome(() => parseDocument(text)), byParser(text))) differing.push(text)
    }),
    { numRuns: 5_000 },
  )
  t.same(differing.slice(0, 3).map((text) => JSON.stringify(text).replace(/[\u2028\u2029]/g, '?')), [], 'every document read as the parser reads it')
  t.ok(plain > 4_000, `nearly every one took the shortcut's shape (${plain})`)
  const login = '<?xml version="1.0" encoding="UTF-8"?>\n<SASRequest><Version>3.6</Version><Action>login</Action><OTC> 802106 </OTC><Id>a</Id><Id>b</Id></SASRequest>'
  t.same(parseDocument(login), { root: 'SASRequest', content: { Version: '3.6', Action: 'login', OTC: '802106', Id: ['a', 'b'] } }, 'a request as the parser reads it')
})
