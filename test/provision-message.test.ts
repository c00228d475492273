import t from 'tap'
import { loadConfig } from '../src/config.js'
import { defaultTemplate, parseMessageTemplate, provisionMessage } from '../src/domain/provision-message.js'
import { siteOf } from '../src/transports/delivery-settings.js'

const input = { user: 'alice', code: 'K7QF2M9XWD', validity: 600, expiresAt: Date.parse('2026-11-28T12:10:00Z'), site: 'acme' }

t.test('the default message: the code, how long it is valid, the server', async (t) => {
  const message = provisionMessage(defaultTemplate, input)
  t.equal(message.subject, 'Your mobile provision code')
  t.equal(message.body, 'Your provision code for alice is K7QF2M9XWD\nEnter it in the mobile app within 10 minutes; it works once.\nServer: acme')
  t.ok(message.body.length <= 160, 'short enough for one SMS')
  t.notOk(message.subject.includes(input.code), 'the subject, stored in clear, has no code')
})

t.test('a replacement template: placeholders, optional subject, line endings', async (t) => {
  const template = parseMessageTemplate('Subject: Set-up for {user}\r\n\r\n{user}: {code}, {validity}, until {expires} at {site}\r\n\r\n')
  t.same(provisionMessage(template, { ...input, validity: 7200 }), {
    subject: 'Set-up for alice',
    body: 'alice: K7QF2M9XWD, 2 hours, until 2026-11-28T12:10:00Z at acme',
  })
  const bodyOnly = parseMessageTemplate('Code {code}\n')
  t.equal(bodyOnly.subject, 'Your mobile provision code')
  t.equal(bodyOnly.body, 'Code {code}')
  t.equal(provisionMessage(bodyOnly, { ...input, validity: 90 }).body, 'Code K7QF2M9XWD')
  t.equal(provisionMessage(parseMessageTemplate('{code} {validity}'), { ...input, validity: 90 }).body, 'K7QF2M9XWD 90 seconds')
  t.equal(provisionMessage(parseMessageTemplate('{"json": "{code}"}'), input).body, '{"json": "K7QF2M9XWD"}', 'braces that are not placeholders stay')
})

t.test('a template that cannot work is refused when it is read', async (t) => {
  t.throws(() => parseMessageTemplate('Your code: {kode}'), /unknown placeholder \{kode\}/)
  t.throws(() => parseMessageTemplate('Subject: Hello\n\nNo code here'), /must contain \{code\}/)
  t.throws(() => parseMessageTemplate('Subject: Code {code}\n\n{code}'), /\{code\} may appear in the body only/)
  t.throws(() => parseMessageTemplate('Subject:\n\n{code}'), /subject must be one non-empty line/)
})

t.test('a user name cannot add a header line to the subject', async (t) => {
  const template = parseMessageTemplate('Subject: For {user}\n\n{code}')
  t.equal(provisionMessage(template, { ...input, user: 'eve\r\nBcc: x@example.com' }).subject, 'For eve Bcc: x@example.com')
})

t.test('the site a message names: site id, else public URL, else where the server listens', async (t) => {
  const config = (flags: Record<string, string>) => loadConfig({ db: ':memory:', ...flags }, {})
  t.equal(siteOf(config({ 'site-id': 'acme', 'public-url': 'https://auth.example.com/proxy' })), 'acme')
  t.equal(siteOf(config({ 'public-url': 'https://auth.example.com/' })), 'https://auth.example.com')
  t.equal(siteOf(config({ host: '10.0.0.5', port: '8443' })), 'http://10.0.0.5:8443')
  t.equal(siteOf(config({ host: '::1', port: '8080' })), 'http://[::1]:8080')
})

t.test('retry delays are configurable, in seconds, and checked', async (t) => {
  t.same(loadConfig({ db: ':memory:', 'retry-delays': '1, 2,60' }, {}).retryDelays, [1000, 2000, 60000])
  t.same(loadConfig({ db: ':memory:' }, { AGENTXML_RETRY_DELAYS: '5' }).retryDelays, [5000])
  t.same(loadConfig({ db: ':memory:' }, {}).retryDelays, [30_000, 120_000, 300_000, 900_000, 2_400_000])
  for (const bad of ['', '0', '1,,2', 'soon', '90000', Array(21).fill('1').join(',')]) {
    t.throws(() => loadConfig({ db: ':memory:', 'retry-delays': bad }, {}), /--retry-delays must be/, JSON.stringify(bad))
  }
})
