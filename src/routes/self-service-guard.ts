import { randomBytes } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Keys } from '../secrets.js'
import { keyedHash, safeEqual } from '../secrets.js'
import { styleHash } from './self-service-page.js'

/**
 * Cross-site protection for the self-service form, two layers: the browser's own word
 * (`Sec-Fetch-Site`, `Origin`) and a token bound to a cookie the attacker's page cannot read
 * (double submit, the token being the cookie's keyed hash so it cannot be made up).
 */
const cookieName = 'agentxml_csrf'
const noncePattern = /^[A-Za-z0-9_-]{22,64}$/

export const csrfToken = (keys: Keys, nonce: string) => keyedHash(keys, 'self-service-csrf', nonce).toString('base64url')

function cookieNonce(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie ?? ''
  for (const part of header.split(';')) {
    const [name, value] = part.trim().split('=', 2)
    if (name === cookieName && value !== undefined && noncePattern.test(value)) return value
  }
  return undefined
}

/** The token for the form; sets the cookie when the browser has none yet. */
export function issueCsrf(keys: Keys, request: FastifyRequest, reply: FastifyReply): string {
  let nonce = cookieNonce(request)
  if (nonce === undefined) {
    nonce = randomBytes(18).toString('base64url')
    const secure = request.protocol === 'https' ? '; Secure' : ''
    reply.header('set-cookie', `${cookieName}=${nonce}; Path=/; HttpOnly; SameSite=Strict${secure}`)
  }
  return csrfToken(keys, nonce)
}

export function validCsrf(keys: Keys, request: FastifyRequest, token: string): boolean {
  const nonce = cookieNonce(request)
  if (nonce === undefined || token.length > 128) return false
  return safeEqual(Buffer.from(csrfToken(keys, nonce)), Buffer.from(token))
}

/**
 * A post that the browser says came from another site. `Sec-Fetch-Site` is the browser's own
 * verdict and wins; older browsers only send `Origin`, whose host must be ours (the scheme is
 * not compared: behind a TLS proxy we may see http while the browser saw https).
 */
export function crossSite(request: FastifyRequest, publicHost: string | undefined): boolean {
  const site = request.headers['sec-fetch-site']
  if (site !== undefined) return site !== 'same-origin' && site !== 'none'
  const origin = request.headers.origin
  if (origin === undefined) return false
  let host: string
  try {
    host = new URL(origin).host
  } catch {
    return true // "null" (a sandboxed or privacy-sensitive context) or garbage
  }
  return host !== request.host && host !== publicHost
}

const contentSecurityPolicy = [
  "default-src 'none'",
  `style-src '${styleHash}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

/** Headers of every self-service response: no scripts, no framing, no caching, no referrer. */
export function securityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.headers({
    'content-security-policy': contentSecurityPolicy,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  })
  if (request.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000')
}
