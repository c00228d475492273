import { chromium, type Browser, type Page } from 'playwright-core'
import t from 'tap'
import { deriveOtc } from '../src/domain/otc.js'
import { setPolicy } from '../src/domain/policy.js'
import { browserArgs, browserSkip, executablePath, screenshot } from './helpers/browser.js'
import { userNamed } from './helpers/directory.js'
import { login, provisionDevice } from './helpers/login.js'
import { buildWithMail } from './helpers/pins.js'
import { seedAgent, seedUser } from './helpers/seed.js'
import { codeIn } from './helpers/smtp.js'

/**
 * The self-service PIN pages (issue #23) in Debian's Chromium with JavaScript off, driven by
 * their visible labels: Change PIN with a one-time code from the app, Reset PIN with a code sent
 * by mail through the delivery worker to a real SMTP server. What counts afterwards is what the
 * app's codes do at `login`. Screenshots go to test/artifacts/ (pin-*.png).
 */

// a real browser on a shared machine: more than the default two minutes
t.setTimeout(300_000)

type Tap = { teardown(fn: () => unknown): void }

/** The app on a real port with alice (PIN 2468, email transport) and her provisioned app; `otc(pin, n)` is a code of string n. */
async function serve(t: Tap) {
  const built = await buildWithMail(t)
  const { app, services } = built
  await seedAgent(services)
  await seedUser(services, { name: 'alice', pin: '2468', transport: 'email' })
  const { strings } = await provisionDevice(app, services, 'alice')
  const otc = (pin: string, index: number) => deriveOtc(strings[index] ?? '', pin, index)
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return { ...built, url, otc }
}

/** The right code with its first digit changed: certainly wrong. */
const spoil = (code: string) => `${(Number(code[0]) + 1) % 10}${code.slice(1)}`

/** Fill the change form and send it; the reply's status and raw HTML. */
async function changePin(page: Page, user: string, otc: string, pin: string) {
  await page.getByLabel('User name').fill(user)
  await page.getByLabel('One-time code').fill(otc)
  await page.getByLabel('New PIN', { exact: true }).fill(pin)
  await page.getByLabel('New PIN again').fill(pin)
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Change PIN' }).click()])
  // read now: a later navigation makes the body unavailable
  const html = await response.text()
  await page.waitForLoadState()
  return { status: response.status(), html }
}

/** Fill the reset code form and send it. */
async function resetPin(page: Page, user: string, code: string, pin: string) {
  await page.getByLabel('User name').fill(user)
  await page.getByLabel('Reset code').fill(code)
  await page.getByLabel('New PIN', { exact: true }).fill(pin)
  await page.getByLabel('New PIN again').fill(pin)
  await page.getByRole('button', { name: 'Reset PIN' }).click()
}

/** Ask for a reset code on the first step and take it from the mail. */
async function requestResetCode(page: Page, url: string, smtp: Awaited<ReturnType<typeof serve>>['smtp'], user: string, shot?: string) {
  await page.goto(`${url}/reset/resetpin.jsp`)
  if (shot) await screenshot(page, `${shot}-request`)
  await page.getByLabel('User name').fill(user)
  await page.getByRole('button', { name: 'Send me a reset code' }).click()
  await page.getByText('Request received for').waitFor()
  if (shot) await screenshot(page, `${shot}-sent`)
  const [mail] = await smtp.waitForMails(1)
  return { to: mail?.to, text: mail?.text ?? '', code: codeIn(mail?.text ?? '') ?? '' }
}

t.test('the PIN pages in Chromium', { skip: browserSkip }, async (t) => {
  const browser: Browser = await chromium.launch({ executablePath, args: browserArgs })
  t.teardown(() => browser.close())
  const newPage = async (t: Tap) => {
    const context = await browser.newContext({ javaScriptEnabled: false })
    t.teardown(() => context.close())
    return context.newPage()
  }

  t.test('Change PIN: afterwards codes made with the new PIN log in and codes made with the old one do not', async (t) => {
    const { url, app, otc } = await serve(t)
    const page = await newPage(t)
    await page.goto(`${url}/reset/changepin.jsp`)
    t.equal(await page.title(), 'Change your PIN')
    await screenshot(page, 'pin-change-form')
    const { status } = await changePin(page, 'alice', otc('2468', 1), '1357')
    t.equal(status, 200)
    t.ok(await page.getByText('Your PIN has been changed.').isVisible())
    await screenshot(page, 'pin-change-done')
    t.equal((await login(app, 'alice', otc('1357', 2))).result, 'PASS', 'a code made with the new PIN')
    t.equal((await login(app, 'alice', otc('2468', 3))).result, 'FAIL', 'a code made with the old PIN')
  })

  t.test('a weak new PIN is refused beside its field, and the one-time code is not used up', async (t) => {
    const { url, app, otc } = await serve(t)
    const page = await newPage(t)
    await page.goto(`${url}/reset/changepin.jsp`)
    const weak = await changePin(page, 'alice', otc('2468', 1), '1234')
    t.equal(weak.status, 400)
    t.match(await page.locator('#pin-error').textContent(), 'too easy to guess')
    t.equal(await page.getByLabel('New PIN', { exact: true }).getAttribute('aria-invalid'), 'true')
    await screenshot(page, 'pin-change-weak')
    t.equal((await changePin(page, 'alice', otc('2468', 1), '2580')).status, 400, '2580, a keypad column, is refused too')
    await changePin(page, 'alice', otc('2468', 1), '1357')
    t.ok(await page.getByText('Your PIN has been changed.').isVisible(), 'the same code then changes the PIN')
    t.equal((await login(app, 'alice', otc('1357', 2))).result, 'PASS')
  })

  t.test('a wrong one-time code counts towards the lockout; an unknown user gets the very same page', async (t) => {
    const { url, app, services, otc } = await serve(t)
    const page = await newPage(t)
    await page.goto(`${url}/reset/changepin.jsp`)
    t.equal((await userNamed(services, 'alice'))?.failed_logins, 0)
    const wrong = await changePin(page, 'alice', spoil(otc('2468', 1)), '1357')
    t.ok(await page.getByText('Your PIN was not changed.').isVisible())
    t.equal((await userNamed(services, 'alice'))?.failed_logins, 1, 'users.failed_logins went up by one')
    await screenshot(page, 'pin-change-refused')

    await page.goto(`${url}/reset/changepin.jsp`)
    const unknown = await changePin(page, 'nobody', spoil(otc('2468', 2)), '1357')
    t.equal(unknown.status, wrong.status)
    // the form token and the name typed in (shown again in its field) are the only differences allowed
    const same = (html: string, user: string) => html.replace(/name="_csrf" value="[^"]*"/, 'name="_csrf" value=""').replaceAll(`value="${user}"`, 'value="USER"')
    t.equal(same(unknown.html, 'nobody'), same(wrong.html, 'alice'), 'the HTML is the same')
    t.equal((await login(app, 'alice', otc('2468', 3))).result, 'PASS', 'alice still has her PIN')
  })

  t.test('Reset PIN: a code by mail sets a new PIN once; the old PIN stops, the new one logs in, the code fails a second time', async (t) => {
    const { url, app, services, smtp, otc } = await serve(t)
    await setPolicy(services.db, 'self-reset-pin', 'yes')
    const page = await newPage(t)
    const mail = await requestResetCode(page, url, smtp, 'alice', 'pin-reset')
    t.same(mail.to, ['alice@example.com'])
    t.match(mail.text, 'Your PIN reset code for alice is ')
    t.match(mail.code, /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10}$/)

    await page.getByRole('link', { name: 'Enter the reset code' }).click()
    await screenshot(page, 'pin-reset-code')
    await resetPin(page, 'alice', mail.code, '1357')
    await page.getByText('Your PIN has been reset.').waitFor()
    await screenshot(page, 'pin-reset-done')
    t.equal((await login(app, 'alice', otc('1357', 1))).result, 'PASS', 'a code made with the new PIN')
    t.equal((await login(app, 'alice', otc('2468', 2))).result, 'FAIL', 'a code made with the old PIN')

    await page.goto(`${url}/reset/resetpin.jsp`)
    await page.getByRole('link', { name: 'I have a reset code' }).click()
    await resetPin(page, 'alice', mail.code, '8531')
    await page.getByText('Your PIN was not reset').waitFor()
    await screenshot(page, 'pin-reset-refused')
    t.ok(await page.getByText('Your PIN was not reset').isVisible(), 'the same code a second time is refused')
    t.equal((await login(app, 'alice', otc('8531', 3))).result, 'FAIL', 'and set nothing')
    t.equal((await login(app, 'alice', otc('1357', 4))).result, 'PASS', 'the PIN is still the one of the first use')
  })

  t.test('an expired reset code is refused, and the PIN stays as it was', async (t) => {
    const { url, app, services, smtp, clock, otc } = await serve(t)
    await setPolicy(services.db, 'self-reset-pin', 'yes')
    const page = await newPage(t)
    const { code } = await requestResetCode(page, url, smtp, 'alice')
    // pin-reset-code-validity is 600 seconds by default
    clock.advance(601_000)
    await page.goto(`${url}/reset/resetpin.jsp?step=code`)
    await resetPin(page, 'alice', code, '1357')
    await page.getByText('Your PIN was not reset').waitFor()
    t.ok(await page.getByText('Your PIN was not reset').isVisible(), 'refused')
    t.equal((await login(app, 'alice', otc('1357', 1))).result, 'FAIL', 'the new PIN was not set')
    t.equal((await login(app, 'alice', otc('2468', 2))).result, 'PASS', 'the old PIN still logs in')
  })
})
