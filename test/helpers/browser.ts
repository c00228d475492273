import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContextOptions, Page } from 'playwright-core'
import { adminPassword } from './admin.js'

/** Debian's Chromium, driven by playwright-core (no downloaded browser). */
export const executablePath = '/usr/bin/chromium'
export const browserArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
export const artifacts = join(import.meta.dirname, '..', 'artifacts')

// tap reads this environment in the test process only; CI sets it so a missing browser fails
export const requireBrowser = process.env.AGENTXML_REQUIRE_BROWSER === '1'
export const browserSkip = !existsSync(executablePath) && !requireBrowser ? `${executablePath} is missing (apt-get install chromium)` : false

/** The two widths every console page is looked at: a desktop window and a phone. */
export const desktop: BrowserContextOptions = { viewport: { width: 1280, height: 860 } }
export const phone: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }

/** The whole page; on a phone also its first screen, which is what a reader sees before scrolling. */
export async function screenshot(page: Page, name: string) {
  mkdirSync(artifacts, { recursive: true })
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true })
  if ((page.viewportSize()?.width ?? 0) < 500) await page.screenshot({ path: join(artifacts, `${name}-top.png`) })
}

/** A browser context with JavaScript off (the console must not need it), signed in as `name`. */
export async function signedInPage(browser: Browser, url: string, options: BrowserContextOptions, name = 'root', password = adminPassword) {
  const context = await browser.newContext({ ...options, javaScriptEnabled: false })
  const page = await context.newPage()
  await page.goto(`${url}/admin/sign-in`)
  await page.getByLabel('Name').fill(name)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(/\/admin\/users$/)
  return { context, page }
}

/** The one browser global used here (the tests compile without the DOM library). */
interface Window {
  readonly innerWidth: number
  readonly document: { readonly documentElement: { readonly scrollWidth: number } }
}

/** How far the page is wider than the window: 0 when nothing makes the whole page scroll sideways. */
export async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const window = globalThis as unknown as Window
    return window.document.documentElement.scrollWidth - window.innerWidth
  })
}
