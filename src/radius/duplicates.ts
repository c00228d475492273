import { hash } from 'node:crypto'
import { claimRequest, keepReply, releaseRequest } from '../db/repositories/radius-challenges.js'
import type { Services } from '../domain/services.js'

/**
 * Retransmissions (RFC 5080 §2.2.2): a NAS that hears nothing sends the same datagram again, from
 * the same address and port, with the same Identifier and Request Authenticator. Running the
 * login again would burn the string a second time and turn the first Accept into a Reject, so a
 * retransmission gets the first reply again, and one that arrives while the first is still being
 * decided is dropped (the NAS will ask again). Replies are kept for `keepMs` (Duo's 30 s; a NAS
 * retries within a few seconds).
 */
export interface Duplicates {
  /** 'new': decide it (and call `answered`); a Buffer: send it again; 'in flight': drop it. */
  check(key: string): 'new' | 'in flight' | Buffer
  /** The reply to the request of `key`, or undefined for one that got none (dropped). */
  answered(key: string, reply: Buffer | undefined): void
  /** Not decided here after all (another node is deciding it): its retransmission is new again. */
  forget(key: string): void
  readonly size: number
}

/**
 * What retransmissions of one request share: the source and the whole packet (so its Identifier
 * and Request Authenticator). A packet that differs in anything else is not a retransmission and
 * gets no reply meant for another.
 */
export const duplicateKey = (address: string, port: number, raw: Buffer) => `${address}|${port}|${hash('sha256', raw, 'base64')}`

/** Beyond this many remembered requests the oldest go first: a flood cannot grow the map without end. */
const maxKept = 100_000

export function createDuplicates(keepMs = 30_000, now: () => number = Date.now): Duplicates {
  // insertion order is age order: expired entries are at the front
  const entries = new Map<string, { readonly until: number; reply: Buffer | undefined; done: boolean }>()
  const sweep = (time: number) => {
    for (const [key, entry] of entries) {
      if (entry.until > time && entries.size <= maxKept) break
      entries.delete(key)
    }
  }
  return {
    check(key) {
      const time = now()
      sweep(time)
      const entry = entries.get(key)
      if (!entry) {
        entries.set(key, { until: time + keepMs, reply: undefined, done: false })
        return 'new'
      }
      if (!entry.done) return 'in flight'
      // a request answered with silence stays silent: its retransmission is as bad as it was
      return entry.reply ?? 'in flight'
    },
    answered(key, reply) {
      const entry = entries.get(key)
      if (!entry) return
      entry.reply = reply
      entry.done = true
    },
    forget(key) {
      entries.delete(key)
    },
    get size() {
      return entries.size
    },
  }
}

/**
 * Retransmissions across nodes (PostgreSQL): a load balancer may send a NAS's retransmission to
 * another node than the first. Each request is claimed in the database before it is decided,
 * keyed by the NAS and the whole datagram; its reply is kept there for `keepMs`. A node that
 * finds the reply sends it again, byte for byte (it is signed with the same secret for the same
 * Request Authenticator); one that finds the request still being decided drops it, as for a
 * retransmission in flight here. So an Accept is never turned into a Reject by a second login.
 */
export function sharedReplies(services: Services, nasId: number, raw: Buffer, keepMs = 30_000) {
  const key = hash('sha256', Buffer.concat([Buffer.from(`${nasId}\0`), raw]), 'buffer')
  return {
    /** true: decide it here; a Buffer: the reply another node sent; null: another node is deciding it. */
    claim: () => {
      const now = services.now()
      return claimRequest(services.db, key, now, now + keepMs)
    },
    keep: (reply: Buffer) => keepReply(services.db, key, reply),
    release: () => releaseRequest(services.db, key),
  }
}
