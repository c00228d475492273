import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { insertAdmin } from '../../src/db/repositories/admins.js'
import { hashPassword } from '../../src/domain/passwords.js'
import type { Services } from '../../src/domain/services.js'
import { build } from './build.js'

export const adminPassword = 'correct horse battery staple'

// one scrypt hash for the whole file (every build has the test key): it is deliberately slow (addAdmin itself is tested with the command)
let adminHash: Promise<string> | undefined

export async function seedAdmin(services: Services, name = 'root'): Promise<void> {
  adminHash ??= hashPassword(adminPassword, services.keys)
  await insertAdmin(services.db, { name, password_hash: await adminHash, created_at: services.now() })
}

interface StoredCookie {
  readonly value: string
  readonly path: string
}

/**
 * A tiny browser for `app.inject()`: keeps cookies (by path) and the CSRF token of the last
 * page it saw, as a real browser would when the administrator submits a form on that page.
 */
export class ConsoleClient {
  readonly cookies = new Map<string, StoredCookie>()
  csrf = ''
  last: LightMyRequestResponse | undefined

  constructor(
    private readonly app: FastifyInstance,
    private readonly extra: { remoteAddress?: string; headers?: Record<string, string> } = {},
  ) {}

  private cookieHeader(url: string): string {
    return [...this.cookies]
      .filter(([, cookie]) => url.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join('; ')
  }

  private remember(response: LightMyRequestResponse): LightMyRequestResponse {
    for (const cookie of response.cookies as { name: string; value: string; path?: string; expires?: Date; maxAge?: number }[]) {
      const expired = cookie.value === '' || (cookie.expires !== undefined && cookie.expires.getTime() < Date.now()) || cookie.maxAge === 0
      if (expired) this.cookies.delete(cookie.name)
      else this.cookies.set(cookie.name, { value: cookie.value, path: cookie.path ?? '/' })
    }
    const token = /name="csrf" value="([^"]*)"/.exec(response.body)?.[1]
    if (token !== undefined) this.csrf = token
    this.last = response
    return response
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader(url)
    const headers = { ...this.extra.headers, ...(cookie ? { cookie } : {}) }
    return this.remember(await this.app.inject({ method: 'GET', url, headers, ...this.remote() }))
  }

  /** POST a form; the CSRF token of the last page goes with it unless `csrf` is given. */
  async post(url: string, form: Record<string, string>, options: { csrf?: string | null; headers?: Record<string, string> } = {}) {
    const cookie = this.cookieHeader(url)
    const fields = { ...(options.csrf === null ? {} : { csrf: options.csrf ?? this.csrf }), ...form }
    const headers = {
      ...this.extra.headers,
      'content-type': 'application/x-www-form-urlencoded',
      ...(cookie ? { cookie } : {}),
      ...options.headers,
    }
    return this.remember(await this.app.inject({ method: 'POST', url, headers, payload: new URLSearchParams(fields).toString(), ...this.remote() }))
  }

  private remote() {
    return this.extra.remoteAddress ? { remoteAddress: this.extra.remoteAddress } : {}
  }

  async signIn(name = 'root', password = adminPassword): Promise<LightMyRequestResponse> {
    await this.get('/admin/sign-in')
    return this.post('/admin/sign-in', { name, password })
  }
}

/** The text of a page without tags, whitespace collapsed, for matching what a reader sees. */
export function visibleText(body: string): string {
  return body
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim()
}

/** The app on a fresh database, with an administrator signed in to the console. */
export async function signedIn(t: Parameters<typeof build>[0], options: Parameters<typeof build>[1] = {}) {
  const built = await build(t, options)
  await seedAdmin(built.services)
  const client = new ConsoleClient(built.app)
  await client.signIn()
  return { ...built, client }
}
