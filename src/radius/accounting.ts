import { checkMessageAuthenticator, checkRequestAuthenticator, type Packet } from './packet.js'

/**
 * An Accounting-Request (RFC 2866) is acknowledged, nothing stored: a NAS that sends accounting
 * to its authentication server (PINsafe listens on 1813) must get its Accounting-Response, or it
 * retries and may mark the server dead. Its Request Authenticator is a keyed digest and must be
 * right; a Message-Authenticator, when there is one, too. Returns why it is dropped, if it is.
 */
export function accounting(packet: Packet, secret: Buffer): string | undefined {
  if (!checkRequestAuthenticator(packet, secret)) return 'wrong Request Authenticator'
  if (checkMessageAuthenticator(packet, secret) === 'invalid') return 'wrong Message-Authenticator'
  return undefined
}
