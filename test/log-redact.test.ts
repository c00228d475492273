import { pino } from 'pino'
import t from 'tap'
import { createLogger } from '../src/logging/logger.js'
import { censor, redact, redactedFields } from '../src/logging/redact.js'

/** Lines written by `log`, time left out so that two loggers' lines compare. */
function capture(make: (destination: { write(line: string): void }) => pino.Logger) {
  const lines: string[] = []
  const log = make({ write: (line: string) => void lines.push(line.replace(/"time":\d+,/, '')) })
  return { log, lines }
}

// what the server's logger did before: pino's own redact, wildcard paths one level down
const nested = ['secret', 'provisionCode', 'pin', 'otc', 'password', 'provisionId']
const pinoRedact = (destination: { write(line: string): void }) =>
  pino({ base: undefined, redact: { paths: [...redactedFields, ...nested.map((name) => `*.${name}`)], censor } }, destination)
const ours = (destination: { write(line: string): void }) => createLogger({ format: 'json', level: 'info', destination })

const withField = (error: Error, field: string, value: unknown) => Object.assign(error, { [field]: value })

t.test('secrets are censored in every line as pino’s redact censored them', async (t) => {
  const shapes: [string, Record<string, unknown>][] = [
    ['no secret', { user: 'alice', event: 'loginOk', agent: 'vpn' }],
    ...redactedFields.map((name): [string, Record<string, unknown>] => [`top-level ${name}`, { user: 'alice', [name]: 's3cret-top' }]),
    ...nested.map((name): [string, Record<string, unknown>] => [`nested ${name}`, { user: 'alice', request: { [name]: 's3cret-nested', kept: 1 } }]),
    ['nested code, strings and body are kept', { request: { code: 'AGENT_ERROR_X', strings: 3, body: 'b' } }],
    ['two levels down is kept', { request: { inner: { otc: 'deep' } } }],
    ['an undefined secret is left out', { user: 'alice', otc: undefined }],
    ['a secret in an error', { err: withField(new Error('refused'), 'password', 's3cret-err') }],
    ['an error without one', { err: new Error('disk full') }],
    ['an array', { users: ['alice', 'bob'], pin: '1234' }],
  ]
  for (const [what, fields] of shapes) {
    const expected = capture(pinoRedact)
    const actual = capture(ours)
    for (const { log } of [expected, actual]) {
      log.info(fields, 'a line')
      log.child(fields).info('a child’s line')
    }
    t.same(actual.lines, expected.lines, what)
    t.notMatch(actual.lines.join(''), /s3cret/, `${what}: no secret in the lines`)
  }
})

t.test('a line without a secret costs no copy, and the caller’s object is never changed', async (t) => {
  const plain = { user: 'alice', event: 'loginOk', nested: { kept: true } }
  t.equal(redact(plain), plain, 'the same object back')
  const secret = { user: 'alice', otc: '123456', request: { pin: '2468' } }
  const shown = redact(secret)
  t.same(shown, { user: 'alice', otc: censor, request: { pin: censor } }, 'censored')
  t.same(secret, { user: 'alice', otc: '123456', request: { pin: '2468' } }, 'the original as it was')
  const error = withField(new Error('boom'), 'secret', 'x')
  const censored = redact({ err: error }).err as Error & { secret: string }
  t.ok(censored instanceof Error && censored.message === 'boom' && censored.secret === censor, 'an error stays an error, censored')
  t.equal(error.secret, 'x', 'the thrown error is untouched')
})
