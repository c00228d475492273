import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import t from 'tap'
import { openDatabase } from '../src/db/index.js'
import { findUserByKey, updateUser } from '../src/db/repositories/users.js'

/**
 * The console in a real browser, against the real server process: sign in, find a user, press
 * Reprovision and see the code in the outbox and the §8 lines on the Log page, refuse and accept
 * a validity, unlock a locked user, edit a user. JavaScript is off throughout: the console must not need it.
 */

const executablePath = '/usr/bin/chromium'
const browserArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const artifacts = join(process.cwd(), 'test', 'artifacts')
const cli = join(process.cwd(), 'dist', 'cli', 'index.js')
const password = 'browser test password'

// tap reads this environment in the test process only; CI sets it so a missing browser fails
const requireBrowser = process.env.AGENTXML_REQUIRE_BROWSER === '1'
const skip = !existsSync(executablePath) && !requireBrowser ? `${executablePath} is missing (apt-get install chromium)` : false

t.setTimeout(600_000)

/** Start `agentxml serve` on a free port; resolves with its URL once it says where it listens. */
function startServer(dbFile: string): Promise<{ url: string; child: ChildProcess; output: string[] }> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--db', dbFile], { stdio: ['ignore', 'pipe', 'pipe'] })
  const output: string[] = []
  return new Promise((resolve, reject) => {
    let buffered = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        output.push(line)
        const url = /agentxml listening on (https?:\/\/[^"\s]+)/.exec(line)?.[1]
        if (url) resolve({ url, child, output })
      }
    })
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()))
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${output.join('\n')}`)))
  })
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `admin-${name}.png`), fullPage: true })

t.test('the admin console in Chromium', { skip }, async (t) => {
  t.ok(existsSync(executablePath), `${executablePath} exists`)
  mkdirSync(artifacts, { recursive: true })
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-browser-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const dbFile = join(dir, 'agentxml.db')

  // set up as an administrator would: the agentxml command
  const npx = (args: string[], input = '') => spawnSync('npx', ['--no', 'agentxml', ...args, '--db', dbFile], { encoding: 'utf8', input })
  t.equal(npx(['init']).status, 0)
  const admin = npx(['admin', 'add', 'root'], `${password}\n`)
  t.equal(admin.status, 0, admin.stderr)
  for (const name of ['alice', 'bob', 'carol']) {
    const added = spawnSync(process.execPath, [cli, 'user', 'add', name, '--pin', '2468', '--email', `${name}@example.com`, '--transport', 'outbox', '--db', dbFile], { encoding: 'utf8' })
    t.equal(added.status, 0, added.stderr)
  }
  const { db, store } = await openDatabase(dbFile)
  const carol = await findUserByKey(db, 'carol')
  await updateUser(db, carol?.id ?? 0, { failed_logins: 5, locked_at: Date.now() })
  await store.close()

  const server = await startServer(dbFile)
  t.teardown(async () => {
    server.child.kill('SIGTERM')
    await new Promise((resolve) => server.child.once('exit', resolve))
  })
  const browser = await chromium.launch({ executablePath, args: browserArgs })
  t.teardown(() => browser.close())
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 860 } })
  const page = await context.newPage()

  // sign in
  await page.goto(`${server.url}/admin`)
  t.match(page.url(), /\/admin\/sign-in$/)
  await page.getByLabel('Name').fill('root')
  await page.getByLabel('Password').fill(password)
  await shot(page, '01-sign-in')
  await page.getByRole('button', { name: 'Sign in' }).click()
  t.match(page.url(), /\/admin\/users$/)
  t.match(await page.locator('header').innerText(), 'Signed in as root')

  // find a user
  await page.getByLabel('Find users').fill('ali')
  await page.getByRole('button', { name: 'Search' }).click()
  t.same(await page.locator('tbody td:first-child').allInnerTexts(), ['alice'])
  await shot(page, '02-find-user')
  await page.getByRole('link', { name: 'alice' }).click()
  t.match(await page.locator('h1').innerText(), 'User alice')
  t.match(await page.locator('dl').innerText(), /Pending provision code\s+none/)

  // Reprovision: the code arrives in the outbox, the page shows when it expires
  await page.getByRole('button', { name: 'Reprovision' }).click()
  t.match(await page.getByRole('status').innerText(), 'A new provision code for "alice" was created')
  t.match(await page.locator('dl').innerText(), /Pending provision code\s+expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/)
  await shot(page, '03-reprovisioned')
  const outbox = join(dir, 'outbox.jsonl')
  const delivered = await until('the code in outbox.jsonl', () => {
    if (!existsSync(outbox)) return undefined
    return readFileSync(outbox, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { user: string; destination: string; body: string })
      .find((message) => message.user === 'alice')
  })
  t.equal(delivered.destination, 'alice@example.com')
  const code = /\b[A-HJ-NP-Z2-9]{10}\b/.exec(delivered.body)?.[0]
  t.ok(code, 'the message carries a provision code')
  t.notMatch(await page.content(), code ?? '-', 'the console never shows the code')

  // the Log page shows the legacy lines, newest first
  await page.getByRole('link', { name: 'Log' }).click()
  const expected = [
    'Message sent to user: alice, destination: alice@example.com.',
    'User "alice" can now reprovision their mobile device.',
    'Message added to message queue for user: alice, destination: alice@example.com.',
    'Provision code created for user "alice"',
  ]
  const messages = await until('the delivery in the log', async () => {
    await page.goto(`${server.url}/admin/log?user=alice`)
    const texts = await page.locator('td.message').allInnerTexts()
    return texts.some((text) => text.startsWith('Message sent')) ? texts : undefined
  })
  t.same(messages.slice(0, 4), expected)
  await page.getByLabel('Event').selectOption('codeCreated')
  await page.getByRole('button', { name: 'Filter' }).click()
  t.same(await page.locator('td.message').allInnerTexts(), ['Provision code created for user "alice"'])
  await page.goto(`${server.url}/admin/log`)
  await shot(page, '04-log')

  // Policy: 5 and 2000000 seconds are refused and change nothing; 900 is stored
  await page.getByRole('link', { name: 'Policy' }).click()
  const validity = page.getByLabel('Provision Code Validity period (seconds)')
  t.equal(await validity.inputValue(), '600')
  for (const value of ['5', '2000000']) {
    await validity.fill(value)
    await page.getByRole('button', { name: 'Save policy' }).click()
    t.match(await page.getByRole('alert').innerText(), `Provision Code Validity period (seconds) must be 10-1000000, not "${value}"`)
    if (value === '5') await shot(page, '05-policy-refused')
    await page.goto(`${server.url}/admin/policy`)
    t.equal(await validity.inputValue(), '600', `${value} changed nothing`)
  }
  await validity.fill('900')
  await page.getByRole('button', { name: 'Save policy' }).click()
  t.match(await page.getByRole('status').innerText(), 'Policy saved (1 changed).')
  t.equal(await validity.inputValue(), '900')
  await shot(page, '06-policy-saved')

  // unlock a locked user
  await page.getByRole('link', { name: 'User Management' }).click()
  await page.getByRole('link', { name: 'carol' }).click()
  t.match(await page.locator('dl').innerText(), /Lock state\s+locked since/)
  await page.getByRole('button', { name: 'Unlock' }).click()
  t.match(await page.getByRole('status').innerText(), 'User "carol" unlocked.')
  t.match(await page.locator('dl').innerText(), /Lock state\s+not locked \(0 failed logins\)/)
  await shot(page, '07-unlocked')

  // an admin agent, added in the console, scripts the same operations over AdminXML
  await page.getByRole('link', { name: 'Agents' }).click()
  await page.getByLabel('Agent name').fill('portal')
  await page.getByLabel('May use AdminXML (admin agent)').check()
  await page.getByRole('button', { name: 'Add agent' }).click()
  const secret = (await page.locator('#agent-secret').innerText()).trim()
  t.match(secret, /^[A-Za-z0-9]{32}$/, 'a generated secret, shown once')
  await shot(page, '08-agent-added')
  const adminXml = await fetch(`${server.url}/pinsafe/AdminXML`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: `<AdminRequest secret="${secret}" version="3.6"><Read><User name="carol"/></Read></AdminRequest>`,
  })
  const reply = await adminXml.text()
  t.match(reply, '<Read user="carol"><Result>PASS</Result>')
  t.match(reply, '<Locked>false</Locked>')

  // edit a user: move bob to SMS and give him a PIN, which is never shown again
  await page.getByRole('link', { name: 'User Management' }).click()
  await page.getByRole('link', { name: 'bob' }).click()
  await page.getByRole('link', { name: 'Edit…' }).click()
  t.match(await page.locator('h1').innerText(), 'Edit user bob')
  await page.getByLabel('Transport').selectOption('sms')
  await page.getByRole('button', { name: 'Save changes' }).click()
  t.match(await page.getByRole('alert').innerText(), 'The sms transport needs a phone number', 'refused: sms without a number')
  await page.getByLabel('Phone number').fill('+44 7700 900123')
  await page.getByLabel('New PIN').fill('8531')
  await shot(page, '09-edit-user')
  await page.getByRole('button', { name: 'Save changes' }).click()
  t.match(await page.getByRole('status').innerText(), 'User "bob" updated.')
  const details = await page.locator('dl').innerText()
  t.match(details, /Transport\s+sms/)
  t.match(details, /Phone number\s+\+44 7700 900123/)
  t.match(details, /PIN\s+set/)
  await shot(page, '10-user-edited')
  const shown = spawnSync(process.execPath, [cli, 'user', 'show', 'bob', '--db', dbFile], { encoding: 'utf8' })
  t.match(shown.stdout, /transport +sms/, 'the command line sees the change')
  t.notMatch(await page.content(), '8531', 'the PIN is not on the page')

  // sign out: the console is closed again
  await page.getByRole('button', { name: 'Sign out' }).click()
  t.match(await page.getByRole('status').innerText(), 'You have signed out.')
  await page.goto(`${server.url}/admin/users`)
  t.match(page.url(), /\/admin\/sign-in$/)

  const serverLog = server.output.join('\n')
  t.notMatch(serverLog, password, 'the password never reaches the server log')
  t.notMatch(serverLog, code ?? '-', 'nor the code')
  t.notMatch(serverLog, secret, 'nor the agent secret')
  t.notMatch(serverLog, '8531', 'nor the PIN')
  t.match(serverLog, 'User \\"bob\\" updated: transport, phone, PIN', 'the edit is logged, naming what changed')
})

t.test('a missing browser is a failure when AGENTXML_REQUIRE_BROWSER=1', { skip: !requireBrowser && 'AGENTXML_REQUIRE_BROWSER is not set' }, async (t) => {
  t.ok(existsSync(executablePath), `${executablePath} must exist in CI`)
})
