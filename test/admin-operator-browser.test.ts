import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import t from 'tap'
import { loadConfig } from '../src/config.js'
import { listMessages } from '../src/db/repositories/messages.js'
import { updateUser } from '../src/db/repositories/users.js'
import type { NewAuditEntry } from '../src/db/schema/index.js'
import { listNas } from '../src/domain/nas-clients.js'
import { reprovisionUser } from '../src/domain/user-admin.js'
import { closeTransports, createTransports } from '../src/transports/index.js'
import { startWorker } from '../src/transports/worker.js'
import { seedAdmin } from './helpers/admin.js'
import {
  browserArgs,
  browserSkip,
  desktop,
  executablePath,
  phone,
  screenshot,
  sidewaysOverflow,
  signedInPage,
} from './helpers/browser.js'
import { build } from './helpers/build.js'
import { tempDir } from './helpers/delivery.js'
import { seedUser } from './helpers/seed.js'
import { type SmtpDouble, startSmtp } from './helpers/smtp.js'

/**
 * The operator pages in Debian's Chromium with JavaScript off, at a desktop width and at 390 px:
 * the Log's filters, one-line rows and CSV export, the Queue's Retry, the Administrators page,
 * search and Unlock on User Management, adding and editing a NAS on the RADIUS page, and the
 * hint on the sign-in page of a new installation.
 * Screenshots go to test/artifacts/ (operator-*.png).
 */

// real processes (or a real browser) on a shared machine: more than the default two minutes
t.setTimeout(600_000)

type Tap = { teardown(fn: () => unknown): void }
const hour = 3_600_000

/** The console on a real port, mail through a delivery worker to an SMTP server that is down until started. */
async function serve(t: Tap, withAdmin = true) {
  const dir = tempDir(t)
  const probe = await startSmtp()
  await probe.close()
  let wake = () => {}
  const built = await build(t, { extra: { onMessageQueued: () => wake() } })
  const config = loadConfig({ db: ':memory:', outbox: join(dir, 'outbox.jsonl'), 'smtp-url': `smtp://127.0.0.1:${probe.port}`, 'smtp-from': 'noreply@example.com' }, {})
  const transports = createTransports(config)
  // no retries: the first failure is final, so the Queue page shows a failed message at once
  const worker = startWorker(built.services, transports, { retryDelays: [] })
  wake = worker.wake
  t.teardown(async () => {
    await worker.stop()
    closeTransports(transports)
  })
  if (withAdmin) await seedAdmin(built.services)
  const url = await built.app.listen({ host: '127.0.0.1', port: 0 })
  return { ...built, url, smtpPort: probe.port }
}

/** A log as an operator meets it: a few days of logins, refusals and administration, some of it long. */
function realisticLog(now: number): NewAuditEntry[] {
  const users = ['alice', 'bob', 'carol', 'dave', 'erin']
  const rows: NewAuditEntry[] = []
  for (let i = 0; i < 90; i++) {
    const user = users[i % users.length] ?? 'alice'
    const time = now - (90 - i) * 0.7 * hour
    const source = i % 4 === 0 ? '2001:db8:4a1f:10::1c' : `10.20.${i % 7}.${40 + (i % 13)}`
    if (i % 6 === 0) rows.push({ time, event: 'loginFailed', message: `Login failed for user: ${user}, error: Invalid OTC`, user_name: user, source, outcome: 'failure', detail: 'wrong code' })
    else if (i % 11 === 0) rows.push({ time, event: 'noAuthMethod', message: `AgentXML request failed, error: No suitable authentication method for the user "${user}x" was found. The user may be missing from the user repository or a synchronisation has not yet occurred.`, user_name: `${user}x`, source, outcome: 'failure' })
    else if (i % 9 === 0) rows.push({ time, event: 'userUnlocked', message: `User "${user}" unlocked`, user_name: user, actor: 'root', actor_type: 'admin', source: '192.0.2.10', outcome: 'success' })
    else if (i % 13 === 0) rows.push({ time, event: 'agentRefused', message: 'AgentXML request failed, error: The agent is not authorised to access the server.', source: '203.0.113.77', outcome: 'failure' })
    else rows.push({ time, event: 'loginOk', message: `Login successful for user: ${user}.`, user_name: user, actor: 'vpn', actor_type: 'agent', source, outcome: 'success' })
  }
  rows.push({ time: now - 20 * 60_000, event: 'loginFailed', message: 'Login failed for user: =HYPERLINK("http://evil.example"), error: No security strings', user_name: '=HYPERLINK("http://evil.example")', source: '198.51.100.9', outcome: 'failure', detail: 'no device' })
  return rows
}

/** Every row of a table is one line of text tall (a badge or a button at most). */
async function rowHeights(page: Page, selector: string) {
  const boxes = await Promise.all((await page.locator(selector).all()).map((row) => row.boundingBox()))
  return boxes.map((box) => Math.round(box?.height ?? 0))
}

t.test('the operator pages in Chromium', { skip: browserSkip }, async (t) => {
  const browser: Browser = await chromium.launch({ executablePath, args: browserArgs })
  t.teardown(() => browser.close())

  t.test('a new installation: the sign-in page says how to add the first administrator', async (t) => {
    const { url } = await serve(t, false)
    for (const [width, options] of [['desktop', desktop], ['390', phone]] as const) {
      const context = await browser.newContext({ ...options, javaScriptEnabled: false })
      t.teardown(() => context.close())
      const page = await context.newPage()
      await page.goto(`${url}/admin`)
      const hint = page.getByRole('note')
      t.match(await hint.innerText(), /No administrator exists yet\.[\s\S]*npx agentxml admin add NAME/)
      t.equal(await sidewaysOverflow(page), 0, `${width}: nothing wider than the window`)
      await screenshot(page, `operator-01-sign-in-no-admin-${width}`)
    }
  })

  const world = await serve(t)
  const { services, url } = world
  for (const row of realisticLog(services.now())) await services.db.insertInto('audit_log').values(row).execute()
  await seedUser(services, { name: 'alice', email: 'alice@north.example' })
  await seedUser(services, { name: 'bob', email: 'robert@south.example', phone: '+44 7700 900123' })
  const carol = await seedUser(services, { name: 'carol' })
  await updateUser(services.db, carol.id, { failed_logins: 5, locked_at: services.now() })
  await seedUser(services, { name: 'dave' })
  await seedUser(services, { name: 'erin', transport: 'email', email: 'erin@example.com' })
  const wide = await signedInPage(browser, url, desktop)
  const narrow = await signedInPage(browser, url, phone)
  t.teardown(async () => {
    await wide.context.close()
    await narrow.context.close()
  })

  t.test('Log: one line an entry, human event names, the full text on a click', async (t) => {
    const { page } = wide
    await page.goto(`${url}/admin/log`)
    const heights = await rowHeights(page, 'table.log tbody tr')
    t.equal(heights.length, 50)
    t.ok(Math.max(...heights) <= 40, `every row one line tall (tallest ${Math.max(...heights)} px)`)
    const times = await Promise.all((await page.locator('td.time').all()).map((cell) => cell.boundingBox()))
    t.equal(new Set(times.map((box) => `${box?.x}/${box?.width}`)).size, 1, 'the time column is the same for every row')
    t.match(await page.locator('tbody tr', { hasText: 'evil.example' }).innerText(), /^2026-11-28 11:40:00\s+Login failed\s+failure\s+=HYPERLINK\("http:\/\/evil\.example"\)\s+198\.51\.100\.9\s+Login failed for user/)
    await screenshot(page, 'operator-02-log-desktop')

    const row = page.locator('tbody tr', { has: page.locator('td.message summary', { hasText: 'No suitable authentication method' }) }).first()
    const long = row.locator('td.message summary')
    const closed = (await row.boundingBox())?.height ?? 0
    await long.click()
    t.ok(((await row.boundingBox())?.height ?? 0) > closed + 10, 'the message opens in full')
    t.match(await row.innerText(), 'a synchronisation has not yet occurred.')
    await screenshot(page, 'operator-03-log-opened-desktop')
  })

  t.test('Log: filter by outcome, time and source address, then export that as CSV', async (t) => {
    const { page } = wide
    await page.goto(`${url}/admin/log`)
    await page.getByLabel('Outcome').selectOption('failure')
    await page.getByLabel('From').fill('24h')
    await page.getByRole('button', { name: 'Filter' }).click()
    t.match(page.url(), /\/admin\/log\?.*outcome=failure.*since=24h/)
    const outcomes = await page.locator('tbody td:nth-child(3)').allInnerTexts()
    t.ok(outcomes.length > 3, `${outcomes.length} failures`)
    t.same([...new Set(outcomes)], ['failure'])
    const summary = await page.locator('.pager span').innerText()
    t.match(summary, /^\d+ entries match this filter\.$/)
    await screenshot(page, 'operator-04-log-filtered-desktop')

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()])
    t.match(download.suggestedFilename(), /^agentxml-log-\d{8}-\d{4}\.csv$/)
    const csv = readFileSync((await download.path()) ?? '', 'utf8')
    const lines = csv.trimEnd().split('\r\n')
    t.equal(lines[0], 'Id,Time (UTC),Event,Event id,Outcome,User,By,By (kind),Source,Message,Detail')
    t.equal(lines.length - 1, Number(/^\d+/.exec(summary)?.[0]), 'the export holds what the page counted')
    t.match(lines[1], `,Login failed,loginFailed,failure,"'=HYPERLINK(""http://evil.example"")",`, 'a formula is neutralised')

    await page.getByLabel('Source address').fill('203.0.113.77')
    await page.getByLabel('From').fill('')
    await page.getByRole('button', { name: 'Filter' }).click()
    t.same([...new Set(await page.locator('tbody td:nth-child(2)').allInnerTexts())], ['Agent refused'])
    await page.getByLabel('Until').fill('last tuesday')
    await page.getByRole('button', { name: 'Filter' }).click()
    t.match(await page.getByRole('alert').innerText(), '"last tuesday" is not a time')
    t.equal(await page.getByLabel('Until').getAttribute('aria-invalid'), 'true')
    await screenshot(page, 'operator-05-log-refused-desktop')
  })

  t.test('User Management: search by email or phone; Unlock only for a locked user', async (t) => {
    const { page } = wide
    await page.goto(`${url}/admin/users`)
    await page.getByLabel('Find users').fill('south.example')
    await page.getByRole('button', { name: 'Search' }).click()
    t.same(await page.locator('tbody td:first-child').allInnerTexts(), ['bob'])
    await page.getByLabel('Find users').fill('7700 900')
    await page.getByRole('button', { name: 'Search' }).click()
    t.same(await page.locator('tbody td:first-child').allInnerTexts(), ['bob'], 'by phone')
    await screenshot(page, 'operator-06-users-search-desktop')

    await page.goto(`${url}/admin/user?name=dave`)
    t.equal(await page.getByRole('button', { name: 'Unlock' }).count(), 0, 'not offered without a lock')
    await page.goto(`${url}/admin/user?name=carol`)
    await screenshot(page, 'operator-07-user-locked-desktop')
    await page.getByRole('button', { name: 'Unlock' }).click()
    t.match(await page.getByRole('status').innerText(), 'User "carol" unlocked.')
    t.equal(await page.getByRole('button', { name: 'Unlock' }).count(), 0, 'and gone once unlocked')
  })

  t.test('Queue: a failed message, its error, and Retry once the mail server is back', async (t) => {
    const { page } = wide
    await reprovisionUser(services, 'erin')
    const deadline = Date.now() + 30_000
    while ((await listMessages(services.db))[0]?.status !== 'failed') {
      if (Date.now() > deadline) throw new Error('the message did not fail')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await page.getByRole('link', { name: 'Queue' }).click()
    await page.getByLabel('Status').selectOption('failed')
    await page.getByRole('button', { name: 'Show' }).click()
    const row = page.locator('tbody tr', { hasText: 'erin@example.com' })
    t.match(await row.innerText(), /erin\s+email erin@example\.com\s+failed 1 try\s+.*ECONNREFUSED/)
    await screenshot(page, 'operator-08-queue-failed-desktop')

    const smtp: SmtpDouble = await startSmtp({ port: world.smtpPort })
    t.teardown(() => smtp.close())
    await row.getByRole('button', { name: /^Retry message \d+$/ }).click()
    t.match(await page.getByRole('status').innerText(), /Message \d+ is due now/)
    const [mail] = await smtp.waitForMails(1)
    t.same(mail?.to, ['erin@example.com'])
    await page.getByLabel('Status').selectOption('')
    await page.getByRole('button', { name: 'Show' }).click()
    t.match(await page.locator('tbody tr', { hasText: 'erin@example.com' }).innerText(), /\ssent\s/)
    t.equal(await page.locator('tbody tr', { hasText: 'erin@example.com' }).getByRole('button').count(), 0, 'no Retry for a sent message')
    await screenshot(page, 'operator-09-queue-sent-desktop')
  })

  t.test('Administrators: add (password twice), set a password, delete; never yourself', async (t) => {
    const { page } = wide
    await page.getByRole('link', { name: 'Administrators' }).click()
    t.equal(await page.getByRole('link', { name: 'Delete…' }).count(), 0, 'no Delete for the only administrator')
    await page.getByLabel('Name', { exact: true }).fill('ops')
    await page.getByLabel('Password', { exact: true }).fill('a long password 1')
    await page.getByLabel('Password again').fill('a long password 2')
    await page.getByRole('button', { name: 'Add administrator' }).click()
    t.match(await page.getByRole('alert').innerText(), 'The two passwords are not the same')
    t.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'the password is not sent back')
    await screenshot(page, 'operator-10-admins-refused-desktop')
    await page.getByLabel('Password', { exact: true }).fill('a long password 1')
    await page.getByLabel('Password again').fill('a long password 1')
    await page.getByRole('button', { name: 'Add administrator' }).click()
    t.match(await page.getByRole('status').innerText(), 'Administrator "ops" added.')
    await screenshot(page, 'operator-11-admins-desktop')

    const ops = page.locator('tbody tr', { hasText: 'ops' })
    await ops.getByRole('link', { name: 'Set password…' }).click()
    await page.getByLabel('Password', { exact: true }).fill('another password 2')
    await page.getByLabel('Password again').fill('another password 2')
    await page.getByRole('button', { name: 'Set password' }).click()
    t.match(await page.getByRole('status').innerText(), 'The password of "ops" was changed')

    const root = page.locator('tbody tr', { hasText: 'root' })
    t.equal(await root.getByRole('link', { name: 'Delete…' }).count(), 0, 'no Delete for yourself')
    await page.locator('tbody tr', { hasText: 'ops' }).getByRole('link', { name: 'Delete…' }).click()
    await page.getByRole('button', { name: 'Delete administrator' }).click()
    t.match(await page.getByRole('status').innerText(), 'Administrator "ops" deleted.')
    t.same(await page.locator('tbody td:first-child').allInnerTexts(), ['root you'])
  })

  t.test('RADIUS: add a NAS (a refused secret is not sent back), see its row, edit it with the secret kept', async (t) => {
    const { page } = wide
    await page.getByRole('link', { name: 'RADIUS' }).click()
    t.match(await page.locator('h1').innerText(), 'RADIUS NAS')
    await page.getByLabel('NAS name').fill('vpn')
    await page.getByLabel('Networks').fill('192.0.2.0/24\n2001:db8::/64')
    await page.getByLabel('Shared secret').fill('a-short-secret')
    await page.getByLabel('NAS-Identifier').fill('vpn-gw-1')
    await page.getByRole('button', { name: 'Add NAS' }).click()
    t.match(await page.getByRole('alert').innerText(), 'NAS secret must be 16 to 128 printable ASCII characters')
    t.equal(await page.getByLabel('Shared secret').inputValue(), '', 'the secret is not sent back')
    t.equal(await page.getByLabel('NAS-Identifier').inputValue(), 'vpn-gw-1', 'the rest is kept')
    await screenshot(page, 'operator-13-radius-refused-desktop')
    await page.getByLabel('Shared secret').fill('vpn-shared-secret-0123456789')
    await page.getByLabel('Message-Authenticator').selectOption('auto')
    await page.getByRole('button', { name: 'Add NAS' }).click()
    t.match(await page.getByRole('status').innerText(), 'NAS "vpn" added.')
    const row = page.locator('tbody tr', { hasText: 'vpn-gw-1' })
    t.match(await row.innerText(), /vpn\s+192\.0\.2\.0\/24, 2001:db8::\/64\s+vpn-gw-1\s+auto: not seen yet/)
    t.notMatch(await page.content(), 'vpn-shared-secret', 'never on the page')
    await screenshot(page, 'operator-14-radius-desktop')
    await row.getByRole('link', { name: 'Edit…' }).click()
    t.equal(await page.getByLabel('New shared secret').inputValue(), '', 'write-only')
    await page.getByLabel('Networks').fill('192.0.2.10')
    await page.getByRole('button', { name: 'Save changes' }).click()
    t.match(await page.getByRole('status').innerText(), 'NAS "vpn" updated.')
    const [nas] = await listNas(services)
    t.match(nas, { networks: ['192.0.2.10/32'], messageAuthenticator: 'auto' })
  })

  t.test('390 px: the menu wraps, tables scroll in their box, forms fill the width', async (t) => {
    const { page } = narrow
    const pages: [string, string][] = [
      ['users', '/admin/users'],
      ['user', '/admin/user?name=bob'],
      ['policy', '/admin/policy'],
      ['agents', '/admin/agents'],
      ['radius', '/admin/radius'],
      ['queue', '/admin/queue'],
      ['log', '/admin/log'],
      ['admins', '/admin/admins'],
    ]
    for (const [name, path] of pages) {
      await page.goto(`${url}${path}`)
      t.equal(await sidewaysOverflow(page), 0, `${name}: the page itself never scrolls sideways`)
      for (const link of await page.locator('nav a').all()) {
        const box = await link.boundingBox()
        t.ok(box && box.x >= 0 && box.x + box.width <= 390, `${name}: menu item "${await link.innerText()}" is on screen`)
      }
      await screenshot(page, `operator-12-${name}-390`)
    }
    await page.goto(`${url}/admin/log`)
    const wrap = page.locator('.table-wrap')
    const [scrollWidth, clientWidth] = await wrap.evaluate((element) => [(element as unknown as { scrollWidth: number }).scrollWidth, (element as unknown as { clientWidth: number }).clientWidth])
    t.ok((scrollWidth ?? 0) > (clientWidth ?? 0), 'the log table scrolls inside its box')
    // the filter's fields go two a row: together they take the width
    const from = await page.getByLabel('From').boundingBox()
    const until = await page.getByLabel('Until').boundingBox()
    const span = (until?.x ?? 0) + (until?.width ?? 0) - (from?.x ?? 0)
    t.ok(span >= 300 && (from?.width ?? 0) >= 140, `filter fields take the width (${span} px for two)`)
    await page.goto(`${url}/admin/users`)
    const search = await page.getByLabel('Find users').boundingBox()
    t.ok((search?.width ?? 0) >= 300, `the search field takes the width (${search?.width} px)`)
  })

  t.test('390 px: a table scrolled sideways keeps its first column, the name, in view', async (t) => {
    const { page } = narrow
    // the Users table scrolls itself; the Administrators table scrolls in a box around it
    const tables: [string, string, string, string][] = [
      ['users', '/admin/users', 'main>table', 'alice'],
      ['admins', '/admin/admins', '.table-wrap', 'root'],
      ['radius', '/admin/radius', 'main>table', 'vpn'],
    ]
    for (const [name, path, scroller, first] of tables) {
      await page.goto(`${url}${path}`)
      const box = page.locator(scroller).first()
      const scrolled = await box.evaluate((element) => {
        const scroll = element as unknown as { scrollLeft: number; scrollWidth: number; clientWidth: number }
        scroll.scrollLeft = scroll.scrollWidth
        return scroll.scrollLeft
      })
      t.ok(scrolled > 0, `${name}: the table scrolled ${scrolled} px sideways`)
      const cell = box.locator('tr', { hasText: first }).first().locator('th, td').first()
      t.match(await cell.innerText(), first)
      const at = await cell.boundingBox()
      t.ok(at && at.x >= 0 && at.x + at.width <= 390, `${name}: the first cell ("${first}") is still on screen (x ${at?.x})`)
      await screenshot(page, `operator-15-${name}-scrolled-390`)
    }
  })
})
