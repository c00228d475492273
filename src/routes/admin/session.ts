import type { FastifyReply, FastifyRequest } from 'fastify'
import { requestServices } from '../request-services.js'
import type { ConsoleSession } from '../../domain/admin-sessions.js'
import type { Services } from '../../domain/services.js'

export const sessionCookie = 'agentxml_admin'
/** Holds the sign-in form's CSRF token before there is a session (double submit). */
export const signInCookie = 'agentxml_admin_signin'

const sessions = new WeakMap<FastifyRequest, ConsoleSession>()

export function rememberSession(request: FastifyRequest, session: ConsoleSession): void {
  sessions.set(request, session)
}

export function sessionOf(request: FastifyRequest): ConsoleSession | undefined {
  return sessions.get(request)
}

/** Routes behind the sign-in hook always have one. */
export function requireSession(request: FastifyRequest): ConsoleSession {
  const session = sessions.get(request)
  if (!session) throw new Error('admin route reached without a session')
  return session
}

/** HttpOnly, SameSite=Strict, only under /admin, and Secure whenever the request came over TLS. */
export function cookieOptions(request: FastifyRequest, path = '/admin') {
  return { path, httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' } as const
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  // no Max-Age: a browser session cookie; the server enforces idle and absolute expiry
  reply.setCookie(sessionCookie, token, cookieOptions(request))
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(sessionCookie, cookieOptions(request))
}

/** The services for one console request: log lines name the administrator and their address. */
export function consoleServices(services: Services, request: FastifyRequest): Services {
  const session = sessions.get(request)
  return requestServices(services, request, session ? { admin: session.adminName } : {})
}
