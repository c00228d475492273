import { randomBytes } from 'node:crypto'
import {
  deleteExpiredSessions,
  deleteSession,
  findSession,
  insertSession,
  touchSession,
} from '../db/repositories/admin-sessions.js'
import type { Admin } from '../db/schema/index.js'
import { keyedHash, safeEqual } from '../secrets.js'
import type { Services } from './services.js'

/** A session ends after 30 idle minutes, and after 8 hours whatever happens. */
export const idleTimeoutMs = 30 * 60_000
export const absoluteTimeoutMs = 8 * 60 * 60_000
/** Seen-at is written at most this often, not on every page. */
const touchEveryMs = 60_000

export interface ConsoleSession {
  readonly id: number
  readonly adminName: string
  /** The token every state-changing form must carry. */
  readonly csrfToken: string
}

const tokenHash = (services: Services, token: string) => keyedHash(services.keys, 'admin-session', token)

/** Derived from the session token with the server key: nothing to store, nothing to steal from the database. */
const csrfTokenOf = (services: Services, token: string) => keyedHash(services.keys, 'admin-csrf', token).toString('base64url')

/** Start a session for an administrator who just signed in; returns the cookie's token. */
export async function startSession(services: Services, admin: Admin): Promise<string> {
  const now = services.now()
  await deleteExpiredSessions(services.db, now, now - idleTimeoutMs)
  const token = randomBytes(32).toString('base64url')
  await insertSession(services.db, {
    token_hash: tokenHash(services, token),
    admin_id: admin.id,
    created_at: now,
    last_seen_at: now,
    expires_at: now + absoluteTimeoutMs,
  })
  return token
}

/** The live session a cookie's token names, or undefined (an expired one is removed). */
export async function resumeSession(services: Services, token: string | undefined): Promise<ConsoleSession | undefined> {
  if (!token || token.length > 128) return undefined
  const session = await findSession(services.db, tokenHash(services, token))
  if (!session) return undefined
  const now = services.now()
  if (session.expires_at <= now || session.last_seen_at + idleTimeoutMs <= now) {
    await deleteSession(services.db, session.id)
    return undefined
  }
  if (now - session.last_seen_at >= touchEveryMs) await touchSession(services.db, session.id, now)
  return { id: session.id, adminName: session.admin_name, csrfToken: csrfTokenOf(services, token) }
}

export async function endSession(services: Services, session: ConsoleSession): Promise<void> {
  await deleteSession(services.db, session.id)
}

export function csrfMatches(session: ConsoleSession, presented: unknown): boolean {
  if (typeof presented !== 'string') return false
  return safeEqual(Buffer.from(session.csrfToken), Buffer.from(presented))
}
