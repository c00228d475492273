import { sasRequest } from './xml.js'

/** AgentXML bodies no honest client sends; each must get an XML FAIL, never a crash or JSON. */
export const hostileBodies: ReadonlyArray<readonly [name: string, body: string | Buffer]> = [
  ['not XML', 'this is not xml'],
  ['unclosed root', '<SASRequest><Version>3.6</Version><Action>ping</Action>'],
  ['wrong root', '<Foo><Version>3.6</Version><Action>ping</Action></Foo>'],
  ['JSON', '{"Action":"ping","Version":"3.6"}'],
  // attributes count with elements towards --max-elements (64): thousands are refused before parsing
  ['3000 attributes', `<SASRequest ${Array.from({ length: 3000 }, (_, i) => `a${i}="x"`).join(' ')}><Version>3.6</Version><Action>ping</Action></SASRequest>`],
  [
    'billion laughs',
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
      Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
      ']><SASRequest><Version>3.6</Version><Action>ping</Action><Username>&lol9;</Username></SASRequest>',
  ],
  [
    'external entity',
    '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
      sasRequest('<Action>provision</Action><Username>&xxe;</Username><ProvisionCode>A</ProvisionCode>'),
  ],
  ['nested 5000 deep', `<SASRequest>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</SASRequest>`],
  ['duplicate Action', sasRequest('<Action>ping</Action><Action>reprovision</Action>')],
  ['invalid UTF-8', Buffer.concat([Buffer.from('<SASRequest><Version>3.6</Version><Action>'), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('</Action></SASRequest>')])],
  ['NUL bytes', `<SASRequest>\u0000<Version>3.6</Version><Action>ping\u0000</Action></SASRequest>`],
  ['60 KB user name', sasRequest(`<Action>provision</Action><Username>${'u'.repeat(60_000)}</Username><ProvisionCode>ABCDEFGHJK</ProvisionCode>`)],
  ['unknown action', sasRequest('<Action>shutdown</Action>')],
  ['agent action without a secret', sasRequest('<Action>reprovision</Action><Username>alice</Username>')],
  ['empty', ''],
  // more elements than --max-elements (64): refused before the parser spends time on them
  ['5000 siblings', sasRequest(`<Action>ping</Action>${'<x>1</x>'.repeat(5000)}`)],
]

/**
 * Odd but legal pings (docs/protocol.md §2: unknown extra elements are allowed; comments, CDATA, attributes
 * and processing instructions are XML): answered PASS, however large.
 */
export const oddButLegal: ReadonlyArray<readonly [name: string, body: string]> = [
  ['60 siblings', sasRequest(`<Action>ping</Action>${'<x>1</x>'.repeat(60)}`)],
  ['50 attributes', `<SASRequest ${Array.from({ length: 50 }, (_, i) => `a${i}="x"`).join(' ')}><Version>3.6</Version><Action>ping</Action></SASRequest>`],
  ['CDATA and comments', sasRequest('<!-- x --><Action><![CDATA[ping]]></Action>')],
  ['processing instruction', `<?evil x?>${sasRequest('<Action>ping</Action>')}`],
]

/** Raw bytes that are not even HTTP, or abuse it; the server must refuse them and live on. */
export const hostileRaw: ReadonlyArray<readonly [name: string, bytes: string]> = [
  ['garbage request line', 'GARBAGE\r\n\r\n'],
  ['header overflow', `POST /pinsafe/AgentXML HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'a'.repeat(100)}\r\n`).join('')}\r\n`],
  ['bad Content-Length', 'POST /pinsafe/AgentXML HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'],
  ['Content-Length and chunked', 'POST /pinsafe/AgentXML HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['bad chunk size', 'POST /pinsafe/AgentXML HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'],
  ['HTTP/0.9', 'GET /\r\n\r\n'],
  ['no Host header', 'POST /pinsafe/AgentXML HTTP/1.1\r\nContent-Length: 0\r\n\r\n'],
]
