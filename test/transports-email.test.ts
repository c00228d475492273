import t from 'tap'
import { loadConfig } from '../src/config.js'
import { findMessage } from '../src/db/repositories/messages.js'
import { createProvisionCode } from '../src/domain/provision-code.js'
import { closeTransports, createTransports } from '../src/transports/index.js'
import { deliverDue } from '../src/transports/worker.js'
import { build } from './helpers/build.js'
import { seedUser } from './helpers/seed.js'
import { codeIn, selfSignedCertificate, startSmtp } from './helpers/smtp.js'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const from = 'AgentXML <noreply@example.com>'
const password = 'S3cret-smtp-pa$$word'

function transportsFor(t: Tap, flags: Record<string, string | boolean>) {
  const transports = createTransports(loadConfig({ db: ':memory:', 'smtp-from': from, ...flags }, {}))
  t.teardown(() => closeTransports(transports))
  return transports
}
type Tap = { teardown(fn: () => unknown): void }

t.test('a provision code reaches a real SMTP server, with AUTH, and only there', async (t) => {
  const smtp = await startSmtp({ auth: { user: 'relay@example.com', pass: password } })
  t.teardown(() => smtp.close())
  const { services, lines } = await build(t)
  await seedUser(services, { name: 'alice', transport: 'email' })
  const user = encodeURIComponent('relay@example.com')
  const transports = transportsFor(t, { 'smtp-url': `smtp://${user}:${encodeURIComponent(password)}@127.0.0.1:${smtp.port}` })

  const created = await createProvisionCode(services, 'alice', { deliver: true })
  const report = await deliverDue(services, transports)
  t.same(report, { attempted: 1, sent: 1 })

  const [mail] = await smtp.waitForMails(1)
  t.same(mail?.to, ['alice@example.com'])
  t.equal(mail?.from, 'noreply@example.com')
  t.match(mail?.raw, /^Subject: Your mobile provision code$/m)
  t.equal(codeIn(mail?.text ?? ''), created.code, 'the mail carries the code that was created')
  t.match(mail?.text, /valid|within 10 minutes/)
  t.same(smtp.logins, [{ user: 'relay@example.com', pass: password, ok: true }])
  t.equal(mail?.user, 'relay@example.com')

  const stored = await findMessage(services.db, created.messageId ?? 0)
  t.equal(stored?.status, 'sent')
  t.equal(stored?.body, null, 'the sealed body is dropped once sent')
  const log = lines.join('')
  t.notOk(log.includes(created.code), 'the code is in no log line')
  t.notOk(log.includes(password), 'the SMTP password is in no log line')
  t.match(log, /Message sent to user: alice, destination: alice@example.com\./)
})

t.test('STARTTLS is used when offered, and can be required', async (t) => {
  const tls = selfSignedCertificate()
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-ca-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'ca.pem'), tls.cert)
  const smtp = await startSmtp({ starttls: true, tls, auth: { user: 'relay', pass: password } })
  t.teardown(() => smtp.close())
  const { services } = await build(t)
  await seedUser(services, { name: 'alice', transport: 'email' })
  const transports = transportsFor(t, {
    'smtp-url': `smtp://relay:${encodeURIComponent(password)}@127.0.0.1:${smtp.port}`,
    'smtp-require-tls': true,
    'smtp-ca': join(dir, 'ca.pem'),
  })
  t.match(transports.get('email')?.label, `smtp://127.0.0.1:${smtp.port} (STARTTLS required)`)
  await createProvisionCode(services, 'alice', { deliver: true })
  t.same(await deliverDue(services, transports), { attempted: 1, sent: 1 })
  const [mail] = await smtp.waitForMails(1)
  t.equal(mail?.secure, true, 'the session was upgraded to TLS before AUTH and DATA')
})

t.test('with STARTTLS required, a server that does not offer it gets nothing', async (t) => {
  const smtp = await startSmtp({ auth: { user: 'relay', pass: password } })
  t.teardown(() => smtp.close())
  const { services, lines } = await build(t)
  await seedUser(services, { name: 'alice', transport: 'email' })
  const transports = transportsFor(t, { 'smtp-url': `smtp://relay:${encodeURIComponent(password)}@127.0.0.1:${smtp.port}`, 'smtp-require-tls': true })
  const created = await createProvisionCode(services, 'alice', { deliver: true })
  t.same(await deliverDue(services, transports), { attempted: 1, sent: 0 })
  t.equal(smtp.mails.length, 0)
  t.same(smtp.logins, [], 'the password was never sent in clear')
  const stored = await findMessage(services.db, created.messageId ?? 0)
  t.equal(stored?.status, 'queued', 'left for a retry')
  t.match(stored?.last_error, /STARTTLS|TLS/i)
  t.notOk(lines.join('').includes(password))
})

t.test('smtps:// speaks TLS from the first byte', async (t) => {
  const tls = selfSignedCertificate()
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-ca-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'ca.pem'), tls.cert)
  const smtp = await startSmtp({ secure: true, tls })
  t.teardown(() => smtp.close())
  const { services } = await build(t)
  await seedUser(services, { name: 'alice', transport: 'email' })
  const transports = transportsFor(t, { 'smtp-url': `smtps://127.0.0.1:${smtp.port}`, 'smtp-ca': join(dir, 'ca.pem') })
  await createProvisionCode(services, 'alice', { deliver: true })
  t.same(await deliverDue(services, transports), { attempted: 1, sent: 1 })
  t.equal((await smtp.waitForMails(1))[0]?.secure, true)
})

t.test('an untrusted certificate is refused (no silent downgrade of verification)', async (t) => {
  const smtp = await startSmtp({ secure: true, tls: selfSignedCertificate() })
  t.teardown(() => smtp.close())
  const { services } = await build(t)
  await seedUser(services, { name: 'alice', transport: 'email' })
  const transports = transportsFor(t, { 'smtp-url': `smtps://127.0.0.1:${smtp.port}` })
  const created = await createProvisionCode(services, 'alice', { deliver: true })
  t.same(await deliverDue(services, transports), { attempted: 1, sent: 0 })
  t.equal(smtp.mails.length, 0)
  t.match((await findMessage(services.db, created.messageId ?? 0))?.last_error, /certificate/i)
})

t.test('a wrong SMTP password is a failed try whose reason holds no password', async (t) => {
  const smtp = await startSmtp({ auth: { user: 'relay', pass: password } })
  t.teardown(() => smtp.close())
  const { services, lines } = await build(t)
  await seedUser(services, { name: 'alice', transport: 'email' })
  const wrong = 'not-the-password-42'
  const transports = transportsFor(t, { 'smtp-url': `smtp://relay:${wrong}@127.0.0.1:${smtp.port}` })
  const created = await createProvisionCode(services, 'alice', { deliver: true })
  await deliverDue(services, transports)
  t.equal(smtp.logins[0]?.ok, false)
  const stored = await findMessage(services.db, created.messageId ?? 0)
  t.equal(stored?.status, 'queued')
  t.match(stored?.last_error, /535|Invalid|auth/i)
  t.notOk(stored?.last_error?.includes(wrong))
  t.notOk(lines.join('').includes(wrong), 'the password is in no log line')
  t.notOk(lines.join('').includes(created.code))
})

t.test('SMTP settings are checked when the configuration is read', async (t) => {
  const config = (flags: Record<string, string | boolean>) => () => loadConfig({ db: ':memory:', ...flags }, {})
  t.doesNotThrow(config({ 'smtp-url': 'smtp://mail.example.com' }), 'no sender yet: it may come from the shared smtp-from setting, checked when the database opens (settings-cli.test.ts)')
  t.throws(config({ 'smtp-url': 'http://mail.example.com', 'smtp-from': from }), /smtp:\/\/ or smtps:\/\//)
  t.throws(config({ 'smtp-url': 'smtps://mail.example.com', 'smtp-from': from, 'smtp-require-tls': true }), /smtps/)
  t.throws(config({ 'smtp-url': 'smtp://u:p@mail.example.com', 'smtp-from': 'not an address' }), /--smtp-from/)
  try {
    config({ 'smtp-url': 'smtp://user:pw-in-url@[bad', 'smtp-from': from })()
    t.fail('a malformed URL is refused')
  } catch (err) {
    t.notOk((err as Error).message.includes('pw-in-url'), 'the refusal does not repeat the password')
  }
  const env = loadConfig({ db: ':memory:' }, { AGENTXML_SMTP_URL: 'smtp://mail.example.com', AGENTXML_SMTP_FROM: 'a@example.com', AGENTXML_SMTP_REQUIRE_TLS: 'yes' })
  t.equal(env.smtpRequireTls, true, 'the environment variables work too')
  t.match(createTransports(env).get('email')?.label, 'smtp://mail.example.com:587 (STARTTLS required)')
})
