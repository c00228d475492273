// The console's Settings page (issue #26): the shared delivery settings, the secrets write-only,
// every change audited with its administrator, and a test message through the configured SMTP
// server (a real one, smtp-server, in this process).
import t from 'tap'
import { listDeliverySettings } from '../src/domain/delivery-admin.js'
import { signedIn, visibleText } from './helpers/admin.js'
import { startSmtp } from './helpers/smtp.js'

t.setTimeout(300_000)

const password = 'Pa55-word-never-shown'

t.test('set from the console: stored, the SMTP password never shown, logged or audited, kept when the field is left empty', async (t) => {
  const { services, client, lines } = await signedIn(t)
  const empty = await client.get('/admin/settings')
  t.equal(empty.statusCode, 200)
  t.match(visibleText(empty.body), 'SMTP server (smtp-url)')
  const saved = await client.post('/admin/settings', { 'smtp-url': `smtp://mailer:${password}@127.0.0.1:2525`, 'smtp-from': 'noreply@example.com', 'site-id': 'acme' })
  t.equal(saved.statusCode, 303)
  t.equal(saved.headers.location, '/admin/settings?saved=3')
  const page = await client.get('/admin/settings?saved=3')
  t.notMatch(page.body, password, 'the page never holds the password')
  t.notMatch(page.body, 'mailer:', 'nor the user name and password part of the URL')
  t.match(visibleText(page.body), 'Write-only: Stored: set (sealed): smtp://127.0.0.1:2525 with a user name and password')
  t.match(page.body, /<input type="password" id="f-smtp-url" name="smtp-url" value=""/, 'the secret field is empty and of type password')
  t.match(page.body, /name="site-id" value="acme"/, 'a plain setting shows its value')

  const kept = await client.post('/admin/settings', { 'smtp-url': '', 'smtp-from': 'noreply@example.com', 'site-id': 'acme' })
  t.equal(kept.headers.location, '/admin/settings?saved=0', 'an empty write-only field keeps the stored secret')
  const rows = new Map((await listDeliverySettings(services)).map((row) => [row.key, row]))
  t.match(rows.get('smtp-url')?.shown, /^set \(sealed\)/)
  const stored = await services.db.selectFrom('delivery_settings').selectAll().where('key', '=', 'smtp-url').executeTakeFirstOrThrow()
  t.equal(stored.value, null, 'stored sealed, no clear text')
  t.notOk(stored.sealed?.includes(Buffer.from(password)), 'the sealed bytes do not hold the password')

  await services.flushAudit?.()
  const audit = await services.db.selectFrom('audit_log').selectAll().where('event', '=', 'deliverySettingChanged').orderBy('id').execute()
  t.same(
    audit.map((row) => [row.actor, row.actor_type, row.message]),
    [
      ['root', 'admin', 'Setting "smtp-url" set (sealed): smtp://127.0.0.1:2525 with a user name and password'],
      ['root', 'admin', 'Setting "smtp-from" set to noreply@example.com'],
      ['root', 'admin', 'Setting "site-id" set to acme'],
    ],
    'each change has its row, by the administrator',
  )
  t.notOk(lines.some((line) => line.includes(password)), 'no log line holds the password')
  t.notOk(JSON.stringify(await services.db.selectFrom('audit_log').selectAll().execute()).includes(password), 'no audit row holds it')

  const removed = await client.post('/admin/settings', { 'smtp-url': '', 'unset-smtp-url': 'yes', 'site-id': '' })
  t.equal(removed.headers.location, '/admin/settings?saved=2', 'the remove box unsets a secret; an emptied field unsets a plain setting')
  const after = new Map((await listDeliverySettings(services)).map((row) => [row.key, row.shown]))
  t.same([after.get('smtp-url'), after.get('site-id'), after.get('smtp-from')], [undefined, undefined, 'noreply@example.com'])
})

t.test('a bad value is refused with the flag rule, naming the setting, and nothing changes', async (t) => {
  const { services, client } = await signedIn(t)
  await client.get('/admin/settings')
  const refused = await client.post('/admin/settings', { 'site-id': 'acme', 'retry-delays': 'soon', 'public-url': 'ftp://example.com' })
  t.equal(refused.statusCode, 400)
  const text = visibleText(refused.body)
  t.match(text, 'retry-delays must be 1 to 20 comma-separated numbers of seconds (1-86400), not "soon"')
  t.match(text, 'public-url must be an http or https URL, not "ftp://example.com"')
  t.match(refused.body, /name="site-id" value="acme"/, 'what was typed is kept in the form')
  t.same((await listDeliverySettings(services)).filter((row) => row.shown !== undefined), [], 'nothing stored')
  const forged = await client.post('/admin/settings', { 'site-id': 'evil' }, { csrf: null })
  t.equal(forged.statusCode, 403, 'no CSRF token, no change')
})

t.test('"Send a test message" goes through the configured SMTP server and says whether it was accepted', async (t) => {
  const smtp = await startSmtp({ auth: { user: 'mailer', pass: password } })
  t.teardown(() => smtp.close())
  const { services, client, lines } = await signedIn(t)
  await client.get('/admin/settings')
  const none = await client.post('/admin/settings/test', { transport: 'email', destination: 'ops@example.com' })
  t.equal(none.statusCode, 400)
  t.match(visibleText(none.body), 'Test message not sent: the email transport is not configured')

  await client.post('/admin/settings', { 'smtp-url': `smtp://mailer:${password}@127.0.0.1:${smtp.port}`, 'smtp-from': 'noreply@example.com', 'site-id': 'acme' })
  await client.get('/admin/settings')
  const sent = await client.post('/admin/settings/test', { transport: 'email', destination: 'ops@example.com' })
  t.equal(sent.statusCode, 200)
  t.match(visibleText(sent.body), `Test message accepted by smtp://127.0.0.1:${smtp.port} for ops@example.com.`)
  const [mail] = await smtp.waitForMails(1)
  t.same(mail?.to, ['ops@example.com'])
  t.match(mail?.text, 'This is a test message from agentxml (acme).')
  t.same(smtp.logins, [{ user: 'mailer', pass: password, ok: true }], 'it signed in with the sealed password')
  t.notMatch(sent.body, password)

  await smtp.close()
  const down = await client.post('/admin/settings/test', { transport: 'email', destination: 'ops@example.com' })
  t.equal(down.statusCode, 400)
  t.match(visibleText(down.body), /Test message not sent: SMTP smtp:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/)
  await services.flushAudit?.()
  const audit = await services.db.selectFrom('audit_log').select(['event', 'actor', 'outcome']).where('event', 'in', ['testMessageSent', 'testMessageFailed']).orderBy('id').execute()
  t.same(
    audit.map((row) => [row.event, row.actor, row.outcome]),
    [
      ['testMessageFailed', 'root', 'failure'],
      ['testMessageSent', 'root', 'success'],
      ['testMessageFailed', 'root', 'failure'],
    ],
  )
  t.notOk(lines.some((line) => line.includes(password)), 'no log line holds the password')
})
