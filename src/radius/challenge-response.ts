import { randomBytes } from 'node:crypto'
import type { Proof } from '../domain/login-proof.js'
import { safeEqual } from '../secrets.js'
import { Attr, Microsoft, Vendor } from './attributes.js'
import { mppeAttributes } from './mppe.js'
import { challengeHash, challengeResponse, msChap } from './mschap.js'
import { attribute, type Attribute, md5, type Packet, vendorAttribute, vendorAttributes } from './packet.js'

/**
 * An Access-Request that proves the code rather than carrying it: CHAP (RFC 1994, RFC 2865
 * §5.3), MS-CHAP v1 (RFC 2433) or v2 (RFC 2759), in RFC 2548's Microsoft attributes. The login
 * asks `proof` whether the response was made from a candidate code; `accepted` gives what the
 * Access-Accept must carry (MS-CHAP v2's authenticator response and MPPE keys), `rejected` what
 * the Access-Reject does (MS-CHAP-Error).
 */
export interface ChallengeResponse {
  readonly method: 'CHAP' | 'MS-CHAP' | 'MS-CHAP v2'
  readonly proof: Proof
  /** What the Access-Accept carries: MS-CHAP v2's authenticator response and MPPE keys, hidden with the NAS's secret. */
  accepted(secret: Buffer): Attribute[]
  /** What the Access-Reject carries: MS-CHAP's error (RFC 2548 §2.1.5), which ends the peer's wait at once. */
  rejected(): Attribute[]
}

/** MS-CHAP-Error: the response's ident, then "E=691" (authentication failure) and "R=0" (no retry). */
const msChapError = (response: Buffer, more = '') => [vendorAttribute(Vendor.Microsoft, Microsoft.MsChapError, Buffer.concat([response.subarray(0, 1), Buffer.from(`E=691 R=0${more}`)]))]

/** RFC 2548 §2.1.3, §2.3.2: ident, flags, LM-Response (v1) or Peer-Challenge and reserved (v2), NT-Response. */
const msResponseLength = 50
const ntResponseAt = 26
/** RFC 2548 §2.1.3: flags bit 0 set, the NT-Response is the one to use. */
const useNtResponse = 0x01

/** The request's challenge and response, or why it is dropped; undefined: it has none (nor a User-Password). */
export async function challengeResponseOf(packet: Packet): Promise<ChallengeResponse | { drop: string } | undefined> {
  const chapPassword = attribute(packet, Attr.ChapPassword)
  if (chapPassword) return chap(packet, chapPassword)
  const microsoft = vendorAttributes(packet, Vendor.Microsoft)
  const find = (type: number) => microsoft.find((a) => a.vendorType === type)?.value
  const v2 = find(Microsoft.MsChap2Response)
  const response = v2 ?? find(Microsoft.MsChapResponse)
  if (!response) return undefined
  const challenge = find(Microsoft.MsChapChallenge)
  if (!challenge) return { drop: 'an MS-CHAP response without MS-CHAP-Challenge' }
  return v2 ? msChap2(packet, challenge, v2) : msChap1(challenge, response)
}

/** RFC 2865 §5.3: CHAP-Password is the CHAP ident and MD5(ident, password, challenge); the challenge is CHAP-Challenge, or else the Request Authenticator. */
function chap(packet: Packet, chapPassword: Buffer): ChallengeResponse | { drop: string } {
  if (chapPassword.length !== 17) return { drop: 'a CHAP-Password that is not 17 octets' }
  const ident = chapPassword.subarray(0, 1)
  const response = chapPassword.subarray(1)
  const challenge = attribute(packet, Attr.ChapChallenge) ?? packet.authenticator
  return { method: 'CHAP', proof: (otc) => safeEqual(md5(ident, Buffer.from(otc), challenge), response), accepted: () => [], rejected: () => [] }
}

/** RFC 2433 §5: the NT-Response answers the 8-octet challenge itself. */
async function msChap1(challenge: Buffer, response: Buffer): Promise<ChallengeResponse | { drop: string }> {
  if (response.length !== msResponseLength) return { drop: `an MS-CHAP-Response that is not ${msResponseLength} octets` }
  if (challenge.length !== 8) return { drop: 'an MS-CHAP challenge that is not 8 octets' }
  // LAN Manager's response is of the password upper-cased and cut to 14 characters: never answered
  if (((response[1] ?? 0) & useNtResponse) === 0) return { drop: 'an MS-CHAP-Response with only the LM-Response' }
  const ms = await msChap()
  const ntResponse = response.subarray(ntResponseAt)
  return {
    method: 'MS-CHAP',
    proof: (otc) => safeEqual(challengeResponse(challenge, ms.ntPasswordHash(otc)), ntResponse),
    accepted: () => [],
    rejected: () => msChapError(response),
  }
}

/**
 * RFC 2759 §8.1: the NT-Response answers a hash of both challenges and the user's name; the
 * Access-Accept carries MS-CHAP2-Success (RFC 2548 §2.3.3), the ident and the authenticator
 * response, which proves to the peer that the server knew the code too.
 */
async function msChap2(packet: Packet, authenticatorChallenge: Buffer, response: Buffer): Promise<ChallengeResponse | { drop: string }> {
  if (response.length !== msResponseLength) return { drop: `an MS-CHAP2-Response that is not ${msResponseLength} octets` }
  if (authenticatorChallenge.length !== 16) return { drop: 'an MS-CHAP v2 challenge that is not 16 octets' }
  const ms = await msChap()
  const hash = challengeHash(response.subarray(2, 18), authenticatorChallenge, attribute(packet, Attr.UserName) ?? Buffer.alloc(0))
  const ntResponse = response.subarray(ntResponseAt)
  // a response is of one code, index included: no two candidates match it
  let proven: string | undefined
  return {
    method: 'MS-CHAP v2',
    proof(otc) {
      const matches = safeEqual(challengeResponse(hash, ms.ntPasswordHash(otc)), ntResponse)
      if (matches) proven = otc
      return matches
    },
    accepted(secret) {
      if (proven === undefined) return []
      const passwordHash = ms.ntPasswordHash(proven)
      const success = Buffer.concat([response.subarray(0, 1), Buffer.from(ms.authenticatorResponse(passwordHash, ntResponse, hash))])
      return [vendorAttribute(Vendor.Microsoft, Microsoft.MsChap2Success, success), ...mppeAttributes(ms.mppeKeys(passwordHash, ntResponse), secret, packet.authenticator)]
    },
    // a new authenticator challenge (C=) and version 3, as RFC 2759 §6 has it: R=0, so the peer does not use it
    rejected: () => msChapError(response, ` C=${randomBytes(16).toString('hex').toUpperCase()} V=3`),
  }
}
