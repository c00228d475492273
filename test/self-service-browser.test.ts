import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import t from 'tap'
import { setPolicy } from '../src/domain/policy.js'
import { closeTransports, createTransports } from '../src/transports/index.js'
import { loadConfig } from '../src/config.js'
import { startWorker } from '../src/transports/worker.js'
import { build, element, post, sasRequest } from './helpers/build.js'
import { seedUser } from './helpers/seed.js'
import { codeIn, startSmtp } from './helpers/smtp.js'

// real processes (or a real browser) on a shared machine: more than the default two minutes
t.setTimeout(300_000)

const executablePath = '/usr/bin/chromium'
const artifacts = join(import.meta.dirname, 'artifacts')
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

if (!existsSync(executablePath)) {
  if (process.env.AGENTXML_REQUIRE_BROWSER === '1') t.fail(`${executablePath} is missing and AGENTXML_REQUIRE_BROWSER=1`)
  else t.plan(0, `skipped: ${executablePath} is missing (install Debian's chromium; CI sets AGENTXML_REQUIRE_BROWSER=1)`)
} else {
  mkdirSync(artifacts, { recursive: true })
  let browser: Browser
  t.before(async () => {
    browser = await chromium.launch({ executablePath, args, headless: true })
  })
  t.teardown(() => browser?.close())

  /** The app on a real port, mail going to an SMTP double through the delivery worker. */
  async function serve(t: Tap) {
    const smtp = await startSmtp()
    t.teardown(() => smtp.close())
    let wake = () => {}
    const built = await build(t, { extra: { onMessageQueued: () => wake() } })
    const transports = createTransports(loadConfig({ db: ':memory:', 'smtp-url': `smtp://127.0.0.1:${smtp.port}`, 'smtp-from': 'noreply@example.com' }, {}))
    const worker = startWorker(built.services, transports)
    wake = worker.wake
    t.teardown(async () => {
      await worker.stop()
      closeTransports(transports)
    })
    const url = await built.app.listen({ host: '127.0.0.1', port: 0 })
    return { ...built, smtp, url }
  }
  type Tap = { teardown(fn: () => unknown): void }
  /** The one browser global used here (the tests compile without the DOM library). */
  interface Window {
    getComputedStyle(element: unknown): { backgroundColor: string }
  }

  t.test('policy off: the page says self-provisioning is not enabled', async (t) => {
    const { url } = await serve(t)
    const page = await browser.newPage()
    t.teardown(() => page.close())
    const response = await page.goto(`${url}/reset/provision.jsp`)
    t.equal(response?.status(), 200)
    t.equal(await page.title(), 'Set up the mobile app')
    t.ok(await page.getByText('Self-provisioning is not enabled on this server.').isVisible())
    t.equal(await page.locator('form').count(), 0)
    await page.screenshot({ path: join(artifacts, 'self-service-disabled.png'), fullPage: true })
  })

  t.test('policy on, JavaScript off: a user asks for a code and it arrives by mail', async (t) => {
    const { url, services, smtp, app } = await serve(t)
    await setPolicy(services.db, 'self-provision', 'yes')
    await seedUser(services, { name: 'alice', transport: 'email' })
    const context = await browser.newContext({ javaScriptEnabled: false })
    t.teardown(() => context.close())
    const page = await context.newPage()
    const problems: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text())
    })
    await page.goto(`${url}/userportal/provision`)
    const field = page.getByLabel('User name')
    t.ok(await field.isVisible(), 'the field is found by its label')
    const background = await page.getByRole('button', { name: 'Send me a provision code' }).evaluate((button) => (globalThis as unknown as Window).getComputedStyle(button).backgroundColor)
    t.not(background, 'rgba(0, 0, 0, 0)', 'the inline style is allowed by the page policy')
    await field.fill('alice')
    await page.screenshot({ path: join(artifacts, 'self-service-form.png'), fullPage: true })
    await page.getByRole('button', { name: 'Send me a provision code' }).click()
    await page.getByText('Request received for').waitFor()
    t.ok(await page.getByRole('status').getByText('It is valid for 10 minutes and works once.').isVisible())
    await page.screenshot({ path: join(artifacts, 'self-service-sent.png'), fullPage: true })
    t.same(problems, [], 'no console errors (no blocked style, no script)')

    const [mail] = await smtp.waitForMails(1)
    t.same(mail?.to, ['alice@example.com'])
    const code = codeIn(mail?.text ?? '') ?? ''
    t.match(code, /^[A-Z2-9]{10}$/)
    const reply = await post(app, sasRequest(`<Action>provision</Action><Username>alice</Username><ProvisionCode>${code}</ProvisionCode>`), '/proxy/AgentXML')
    t.equal(element(reply.body, 'Result'), 'PASS', 'the mailed code provisions the app')
  })

  t.test('policy on: an unknown user sees the same confirmation; a too-long name is refused at the field', async (t) => {
    const { url, services, smtp } = await serve(t)
    await setPolicy(services.db, 'self-provision', 'yes')
    const page = await browser.newPage()
    t.teardown(() => page.close())
    await page.goto(`${url}/reset/provision.jsp`)
    await page.getByLabel('User name').fill('nobody')
    await page.getByRole('button', { name: 'Send me a provision code' }).click()
    await page.getByText('Request received for').waitFor()
    t.ok(await page.getByText('If this user may set up the mobile app').isVisible())
    t.equal(smtp.mails.length, 0)

    await page.goto(`${url}/reset/provision.jsp`)
    // past the field's maxlength, as a crafted request could
    await page.getByLabel('User name').evaluate((input) => input.removeAttribute('maxlength'))
    await page.getByLabel('User name').fill('x'.repeat(140))
    await page.getByRole('button', { name: 'Send me a provision code' }).click()
    const error = page.locator('#username-error')
    await error.waitFor()
    t.equal(await error.textContent(), 'A user name has at most 128 characters.')
    t.equal(await page.getByLabel('User name').getAttribute('aria-invalid'), 'true')
    t.ok(await page.getByRole('textbox', { name: 'User name' }).isVisible())
    await page.screenshot({ path: join(artifacts, 'self-service-error.png'), fullPage: true })
  })
}
