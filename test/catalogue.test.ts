import { readFileSync } from 'node:fs'
import t from 'tap'
import { type ErrorCode, errorCatalogue } from '../src/protocol/errors.js'
import { messages } from '../src/protocol/messages.js'
import { loadFixtures } from './helpers/fixtures.js'
import { schemaFile } from './helpers/xsd.js'

// The one error catalogue (style habit 4): every code documented in spec §6, in the schema,
// and exercised by a reply fixture; every §8 log text equal to messages.ts.

const spec = readFileSync(new URL('../../shared/spec/agentxml.md', import.meta.url), 'utf8')

/** The rows of the first markdown table after the heading that starts with `heading`. */
function tableRows(heading: string): string[][] {
  const start = spec.split('\n').findIndex((line) => line.startsWith(heading))
  if (start < 0) throw new Error(`spec has no heading "${heading}"`)
  const rows: string[][] = []
  for (const line of spec.split('\n').slice(start + 1)) {
    if (line.startsWith('#')) break
    if (!line.startsWith('|')) {
      if (rows.length > 0) break
      continue
    }
    const cells = line.slice(1, -1).split('|').map((cell) => cell.trim())
    if (cells.every((cell) => /^-+$/.test(cell))) continue
    rows.push(cells)
  }
  return rows.slice(1) // the header row
}

const unquote = (cell: string) => /^`(.*)`$/.exec(cell)?.[1]
const codes = Object.keys(errorCatalogue) as ErrorCode[]
const specCodes = new Map(
  tableRows('## 6. Error codes').flatMap(([code = '', when = '']) => {
    const name = unquote(code)
    return name ? [[name, when] as const] : []
  }),
)

t.test('spec §6 and the catalogue list the same codes', async (t) => {
  t.ok(specCodes.size >= 10, `${specCodes.size} codes in §6`)
  for (const code of codes) t.ok(specCodes.has(code), `${code} is documented in spec §6`)
  for (const code of specCodes.keys()) t.ok(code in errorCatalogue, `§6 ${code} is in the catalogue`)
})

t.test("each catalogue meaning is spec §6's, word for word (backticks and a trailing remark aside)", async (t) => {
  const plain = (text: string) => text.replace(/`/g, '').trim()
  for (const code of codes) {
    const when = plain(specCodes.get(code) ?? '')
    const meaning = plain(errorCatalogue[code])
    t.ok(when.startsWith(meaning), code, { catalogue: meaning, spec: when })
  }
})

t.test('the schema enumerates exactly the catalogue codes', async (t) => {
  const xsd = readFileSync(schemaFile, 'utf8')
  const block = /<xs:simpleType name="ErrorCode">([\s\S]*?)<\/xs:simpleType>/.exec(xsd)?.[1] ?? ''
  const enumerated = [...block.matchAll(/<xs:enumeration value="([^"]+)"\/>/g)].map((m) => m[1])
  t.same(enumerated.sort(), [...codes].sort())
})

t.test('every catalogue code is exercised by a reply fixture', async (t) => {
  const replies = loadFixtures().map((fixture) => fixture.reply)
  for (const code of codes) {
    const exercised = replies.some((reply) => reply.includes(`<Error>${code}</Error>`))
    t.ok(exercised, `${code} appears in a reply fixture`)
  }
})

// each §8 event, with the sample values of its row
const samples: Record<string, (user: string) => string> = {
  'code created': (u) => messages.codeCreated(u),
  'message queued': (u) => messages.messageQueued(u, `${u}@example.com`),
  'code ready': (u) => messages.canReprovision(u),
  'message delivered': (u) => messages.messageSent(u, `${u}@example.com`),
  'device bound': (u) => messages.provisioned(u),
  'provision failed (wrong, used or expired code)': (u) => messages.provisionFailed(u),
  'unknown user / no mobile right': (u) => messages.noAuthMethod(u),
  'strings asked for by an unknown or old `Id`': () => messages.unknownMobile(),
  'strings downloaded': (u) => messages.stringsFetched(u),
  'token index': (u) => messages.tokenIndex(u),
  'agent refused': () => messages.agentRefused(),
  'login ok': (u) => messages.loginOk(u),
  'login failed': (u) => messages.loginFailed(u, '<reason>'),
}

t.test('every messages.ts text is the spec §8 text', async (t) => {
  const rows = tableRows('## 8. Log messages')
  t.same(rows.map(([event]) => event).sort(), Object.keys(samples).sort(), 'the §8 events are the ones checked here')
  for (const [event = '', cell = ''] of rows) {
    const text = unquote(cell) ?? ''
    const user = /"([^"]+)"/.exec(text)?.[1] ?? /user: ([^,.\s]+)/.exec(text)?.[1] ?? 'alice'
    t.equal(samples[event]?.(user), text, event)
  }
})

t.test('every messages.ts entry is a §8 text or the generic request failure', async (t) => {
  const covered = new Set(['codeCreated', 'messageQueued', 'canReprovision', 'messageSent', 'provisioned', 'provisionFailed', 'noAuthMethod', 'unknownMobile', 'stringsFetched', 'tokenIndex', 'agentRefused', 'loginOk', 'loginFailed'])
  for (const key of Object.keys(messages)) t.ok(covered.has(key) || key === 'requestFailed', key)
  // the generic form the legacy server uses for every refused request (two §8 rows show it)
  t.equal(messages.requestFailed('The agent is not authorised to access the server.'), messages.agentRefused())
  t.ok(messages.noAuthMethod('qwerty').startsWith(messages.requestFailed('No suitable authentication method')))
})
