import fc from 'fast-check'
import t from 'tap'
import { auditEntryOf } from '../src/domain/audit.js'
import { adminMessages } from '../src/domain/admin-messages.js'
import type { LogFormat } from '../src/config.js'
import { createLogger } from '../src/logging/logger.js'
import { formatPinsafe, type PinsafeRecord } from '../src/logging/pinsafe.js'
import { messages } from '../src/protocol/messages.js'
import { adminPassword, ConsoleClient, seedAdmin } from './helpers/admin.js'
import { build, element, post, sasRequest } from './helpers/build.js'

/** Every character Python's str.splitlines() breaks on (so do many log shippers and Unicode line breaking). */
const lineBreak = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/u
/** What must never reach a reader raw: controls, line and paragraph separators, bidi controls. */
const unsafe = /[\p{Cc}\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u

/**
 * Exactly one line under splitlines() semantics: one terminator, nothing else breaks it, no
 * control or bidi character left. Throws, so that fast-check shrinks to the smallest culprit.
 */
function assertOneLine(output: string, what: string): true {
  const body = output.endsWith('\n') ? output.slice(0, -1) : undefined
  if (body === undefined || lineBreak.test(body) || unsafe.test(body)) throw new Error(`${what} is not one clean line: ${JSON.stringify(output)}`)
  return true
}

const controls = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
  ...Array.from({ length: 0x21 }, (_, i) => String.fromCharCode(0x7f + i)), // DEL and the C1 controls, U+0085 among them
  '\u2028',
  '\u2029',
  '\u061c',
  '\u200e',
  '\u200f',
  ...Array.from({ length: 5 }, (_, i) => String.fromCharCode(0x202a + i)),
  ...Array.from({ length: 4 }, (_, i) => String.fromCharCode(0x2066 + i)),
]
const forgery = ' INFO From the IP Address 10.0.0.9 - User "alice" provisioned successfully'
/** Text as an attacker would write it: ordinary characters, every control and line break, quotes, a forged line. */
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...controls), fc.constantFrom('"', '\\', forgery, '\r\n'), fc.string({ maxLength: 4 })), { maxLength: 12 })
  .map((parts) => parts.join(''))

const fields = ['user', 'agent', 'admin', 'reason', 'destination', 'deviceOs', 'pushId', 'userAgent', 'ip', 'origin'] as const

function capture(format: LogFormat) {
  const lines: string[] = []
  const log = createLogger({ format, level: 'debug', destination: { write: (line: string) => void lines.push(line) } })
  return { log, lines }
}

t.test('no field from the wire starts a new line, in the JSON and PINsafe formats and the audit row', async (t) => {
  const json = capture('json')
  const pinsafe = capture('pinsafe')
  fc.assert(
    fc.property(fc.record(Object.fromEntries(fields.map((field) => [field, hostile])) as Record<(typeof fields)[number], fc.Arbitrary<string>>), (values) => {
      const logged = [
        { event: 'provisioned', message: messages.provisioned(values.user) },
        { event: 'messageQueued', message: messages.messageQueued(values.user, values.destination) },
        { event: 'loginFailed', message: messages.loginFailed(values.user, values.reason) },
        { event: 'noAuthMethod', message: messages.noAuthMethod(values.user) },
        { event: 'adminSignInFailed', message: adminMessages.adminSignInFailed(values.admin) },
        { event: undefined, message: messages.requestFailed(values.reason) },
      ]
      for (const { event, message } of logged) {
        for (const { log, lines } of [json, pinsafe]) {
          lines.length = 0
          log.warn({ ...values, event, err: new Error(values.reason) }, message)
          if (lines.length !== 1) throw new Error(`${lines.length} writes for one record`)
        }
        assertOneLine(json.lines[0] ?? '', 'JSON')
        assertOneLine(pinsafe.lines[0] ?? '', 'PINsafe')
        // the record survives the escaping: JSON parses back to the very values logged
        const record = JSON.parse(json.lines[0] ?? '{}') as PinsafeRecord & Record<string, unknown>
        if (record.user !== values.user || record.msg !== message) throw new Error('the JSON line does not hold the values logged')
        assertOneLine(`${formatPinsafe(record, '10.0.0.5')}`, 'PINsafe of the record')
        const entry = auditEntryOf(record, 0)
        for (const [column, value] of Object.entries(entry ?? {})) {
          if (typeof value === 'string') assertOneLine(`${value}\n`, `audit ${column}`)
        }
      }
    }),
    { numRuns: 300 },
  )
  t.pass('300 runs, every output one line')
})

t.test('a quote inside a quoted name is escaped, so the name cannot close the quotes', async (t) => {
  t.equal(messages.provisioned('a"b'), 'User "a\\"b" provisioned successfully')
  t.equal(messages.provisioned('a\\'), 'User "a\\\\" provisioned successfully')
  t.equal(messages.codeCreated('x" provisioned successfully'), 'Provision code created for user "x\\" provisioned successfully"')
  t.equal(adminMessages.adminSignInFailed('root"'), 'Administrator sign-in failed for "root\\""')
  t.equal(adminMessages.userAdded('alice'), 'User "alice" added', 'ordinary names are word for word')
  t.equal(messages.provisioned('alice'), 'User "alice" provisioned successfully')
})

t.test('an unauthenticated provision with a line separator in Username forges no line', async (t) => {
  const { app, lines, logs } = await build(t)
  const user = `x&#x2028;Nov 28 17:27:13 10.0.0.5 PINsafe[http-9]:${forgery}&#x85;&#x2029;&#x202E;`
  const reply = await post(app, sasRequest(`<Action>provision</Action><Username>${user}</Username><ProvisionCode>K7QF2M9XWD</ProvisionCode>`), '/proxy/AgentXML')
  t.equal(element(reply.body, 'Error'), 'PROVISION_FAILURE')
  t.ok(logs.some((r) => typeof r.user === 'string' && r.user.includes('\u2028')), 'the record keeps the name as sent')
  t.ok(lines.every((line) => assertOneLine(line, 'JSON')))
  t.ok(logs.every((record) => assertOneLine(formatPinsafe(record, '10.0.0.5'), 'PINsafe')))
  t.match(formatPinsafe(logs.find((r) => r.event === 'noAuthMethod') ?? { msg: '' }, '10.0.0.5'), 'for the user "x\\u2028Nov 28 17:27:13')
})

t.test('the console shows an audit row on one line, even one stored before the rows were cleaned', async (t) => {
  const { app, services } = await build(t)
  await seedAdmin(services)
  await services.store.insertAudit([
      {
        time: services.now(),
        event: 'provisionFailed',
        message: `User "x\u2028${forgery}" provision failed`,
        user_name: 'x\u2028\u202eecila',
        actor: null,
        actor_type: null,
        source: '192.0.2.1\u0085',
        outcome: 'failure',
        detail: 'wrong\u2029code',
      },
    ])
  const client = new ConsoleClient(app)
  await client.signIn('root', adminPassword)
  const page = await client.get('/admin/log')
  t.equal(page.statusCode, 200)
  t.notMatch(page.body, /[\u2028\u2029\u0085\u202e]/u, 'no separator or bidi control reaches the page')
  t.match(page.body, 'x\\u2028\\u202eecila')
})
