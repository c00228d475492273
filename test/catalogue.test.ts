import { readFileSync } from 'node:fs'
import t from 'tap'
import { type ErrorCode, errorCatalogue } from '../src/protocol/errors.js'
import { loginReplies } from '../src/actions/login.js'
import { lineOf, LoginRefused, type Refusal } from '../src/domain/login-outcome.js'
import { type EventName, messages } from '../src/protocol/messages.js'
import { loadFixtures } from './helpers/fixtures.js'
import { markdownTable } from './helpers/markdown.js'
import { schemaFile } from './helpers/xsd.js'

// The one error catalogue (style habit 4): every code documented in docs/protocol.md §6, in the
// schema, and exercised by a reply fixture; every §8 log text equal to messages.ts.

const protocol = readFileSync(new URL('../docs/protocol.md', import.meta.url), 'utf8')

const unquote = (cell: string) => /^`(.*)`$/.exec(cell)?.[1]
const codes = Object.keys(errorCatalogue) as ErrorCode[]
const documentedCodes = new Map(
  markdownTable(protocol, '## 6. Error codes').flatMap(([code = '', when = '']) => {
    const name = unquote(code)
    return name ? [[name, when] as const] : []
  }),
)

t.test('docs/protocol.md §6 and the catalogue list the same codes', async (t) => {
  t.ok(documentedCodes.size >= 10, `${documentedCodes.size} codes in §6`)
  for (const code of codes) t.ok(documentedCodes.has(code), `${code} is documented in §6`)
  for (const code of documentedCodes.keys()) t.ok(code in errorCatalogue, `§6 ${code} is in the catalogue`)
})

t.test("each catalogue meaning starts §6's \"When\", word for word (backticks aside)", async (t) => {
  const plain = (text: string) => text.replace(/`/g, '').trim()
  for (const code of codes) {
    const when = plain(documentedCodes.get(code) ?? '')
    const meaning = plain(errorCatalogue[code])
    t.ok(when.startsWith(meaning), code, { catalogue: meaning, documented: when })
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
const samples: Record<EventName, (user: string) => string> = {
  codeCreated: (u) => messages.codeCreated(u),
  messageQueued: (u) => messages.messageQueued(u, `${u}@example.com`),
  canReprovision: (u) => messages.canReprovision(u),
  messageSent: (u) => messages.messageSent(u, `${u}@example.com`),
  provisioned: (u) => messages.provisioned(u),
  provisionFailed: (u) => messages.provisionFailed(u),
  noAuthMethod: (u) => messages.noAuthMethod(u),
  unknownMobile: () => messages.unknownMobile(),
  stringsFetched: (u) => messages.stringsFetched(u),
  tokenIndex: (u) => messages.tokenIndex(u),
  agentRefused: () => messages.agentRefused(),
  loginOk: (u) => messages.loginOk(u),
  loginFailed: (u) => messages.loginFailed(u, '<reason>'),
  passwordChecked: (u) => messages.passwordChecked(u),
  requestFailed: () => messages.requestFailed('<cause>'),
  pinCreated: (u) => messages.pinCreated(u),
  pinReset: (u) => messages.pinReset(u),
  pinChanged: (u) => messages.pinChanged(u),
  pinChangeFailed: (u) => messages.pinChangeFailed(u, '<reason>'),
  pinResetCodeCreated: (u) => messages.pinResetCodeCreated(u),
  pinResetFailed: (u) => messages.pinResetFailed(u, '<reason>'),
  pinExpiryReminder: (u) => messages.pinExpiryReminder(u),
}

t.test('§8 lists every messages.ts text, word for word', async (t) => {
  const rows = markdownTable(protocol, '## 8. Log messages')
  t.same(rows.map(([event = '']) => unquote(event)).sort(), Object.keys(messages).sort(), 'one row for each entry of messages.ts')
  for (const [event = '', , cell = ''] of rows) {
    const name = unquote(event) as EventName
    const text = unquote(cell) ?? ''
    const user = /"([^"]+)"/.exec(text)?.[1] ?? /user: ([^,.\s]+)/.exec(text)?.[1] ?? 'alice'
    t.equal(samples[name]?.(user), text, name)
  }
  // the generic form the legacy server uses for every refused request (two §8 rows show it)
  t.equal(messages.requestFailed('The agent is not authorised to access the server.'), messages.agentRefused())
  t.ok(messages.noAuthMethod('qwerty').startsWith(messages.requestFailed('No suitable authentication method')))
})

t.test("§8's login failure reasons are the ones the login failures log, with their replies", async (t) => {
  // in the order of §3.4's checks, as the table lists them
  const refusals: Refusal[] = ['noCode', 'unknownUser', 'locked', 'noPin', 'pinExpired', 'noStrings', 'badCode', 'wrongCode', 'lockedNow', 'directoryUnavailable']
  t.same(new Set(refusals), new Set(Object.keys(loginReplies)), 'every refusal')
  const logged = refusals.map((outcome) => [
    /^Login failed for user: alice, error: (.*)$/.exec(lineOf(new LoginRefused(outcome, 'alice', {})).message)?.[1],
    loginReplies[outcome] ?? 'plain FAIL',
  ])
  const documented = markdownTable(protocol, 'The `<reason>` of a failed login').map(([reason = '', reply = '']) => [
    unquote(reason),
    reply.replace(/`/g, ''),
  ])
  t.same(documented, logged)
})
