import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import type { AddressInfo } from 'node:net'
import type { NasClient, Settings } from '../db/index.js'
import { learnMessageAuthenticator, nasFor, nasSecret } from '../domain/nas-clients.js'
import { normaliseAddress } from '../domain/networks.js'
import { shownName } from '../domain/user-names.js'
import { type Services, withLog } from '../domain/services.js'
import { lazyChild } from '../logging/lazy.js'
import { accessRequest, type Answer, messageAuthenticatorProblem, rejectSignatures } from './access-request.js'
import { accounting } from './accounting.js'
import { AcctStatusType, Attr, Code, codeName } from './attributes.js'
import { dropReporter } from './drops.js'
import { createDuplicates, duplicateKey, sharedReplies } from './duplicates.js'
import { encodeReply } from './encode.js'
import { attribute, attributes, checkMessageAuthenticator, decodePacket, type Packet } from './packet.js'

export interface HandlerOptions {
  /** How long an Access-Reject waits (FreeRADIUS's reject_delay): guesses come slower, other requests do not wait. */
  readonly rejectDelayMs?: number
  /** Requests one NAS may have in flight (PINsafe's "Maximum no. sessions"), over UDP and RadSec together; more are dropped. */
  readonly maxInFlight?: number
}

export interface RadiusOptions extends HandlerOptions {
  /** Where to listen; undefined: every address, IPv6 and IPv4. */
  readonly host?: string | undefined
  /** Access-Request and Status-Server; accounting on the next port (PINsafe's 1812 and 1813). */
  readonly port: number
}

/** Where a packet came from, and the way back: a UDP datagram's sender, or a RadSec connection. */
export interface Peer {
  /** The source address, normalised (an IPv4-mapped IPv6 address as IPv4). */
  readonly address: string
  readonly port: number
  /**
   * RADIUS over TLS (RFC 6614 §2.3): packets are made with this fixed secret, not the NAS's own,
   * and TLS protects them; a packet that breaks the protocol closes the connection (RFC 6613 §2.6.4).
   */
  readonly tls?: { readonly secret: Buffer; refused(): void }
  send(reply: Buffer): void
}

/** The transport-independent part of the server: each packet decided, answered through its peer or dropped. */
export interface RadiusHandler {
  /** Access-Request and Status-Server (the authentication port). */
  auth(raw: Buffer, peer: Peer): Promise<void>
  /** Accounting-Request and Status-Server (the accounting port). */
  accounting(raw: Buffer, peer: Peer): Promise<void>
  /** The NAS an address belongs to, as the next packet from it would find it. */
  nasAt(address: string): Promise<NasClient | undefined>
  /** Replies still waiting out their reject delay are not sent. */
  close(): void
}

export interface RadiusServer {
  readonly auth: AddressInfo
  readonly accounting: AddressInfo
  close(): Promise<void>
}

/** How long a settings snapshot serves packets before it is read again (the login's own read is always current). */
const settingsMaxAgeMs = 1000

/**
 * The RADIUS front end (RFC 2865, 2866, 3579, 5997): Access-Request decided by the same login as
 * AgentXML, Accounting-Request acknowledged and logged, Status-Server answered. A packet from an
 * address no NAS covers, malformed, or failing its authenticator checks gets no reply.
 */
export function createRadiusHandler(services: Services, options: HandlerOptions = {}): RadiusHandler {
  const log = services.log
  const drop = dropReporter(log, services.metrics)
  const duplicates = createDuplicates()
  const inFlight = new Map<number, number>()
  const rejectDelayMs = options.rejectDelayMs ?? 1000
  const maxInFlight = options.maxInFlight ?? 50
  const timers = new Set<NodeJS.Timeout>()
  let snapshot: { settings: Settings; at: number } | undefined

  async function currentSettings(): Promise<Settings> {
    if (snapshot && Date.now() - snapshot.at < settingsMaxAgeMs) return snapshot.settings
    snapshot = { settings: await services.store.settings(), at: Date.now() }
    return snapshot.settings
  }

  /** A packet that breaks the protocol: dropped, and its RadSec connection closed. */
  const refuse = (peer: Peer, nas: string | undefined, reason: string, detail?: string) => {
    drop(peer.address, nas, reason, detail)
    peer.tls?.refused()
  }

  /** The NAS a packet comes from, and its secret; undefined when dropped. */
  async function sender(packet: Packet, peer: Peer): Promise<{ nas: NasClient; secret: Buffer } | undefined> {
    const nas = nasFor(await currentSettings(), peer.address)
    if (!nas) return void refuse(peer, undefined, 'unknown client')
    return { nas, secret: peer.tls?.secret ?? nasSecret(services.keys, nas) }
  }

  async function onAuth(datagram: Buffer, peer: Peer): Promise<void> {
    const address = peer.address
    const packet = decodePacket(datagram)
    if ('problem' in packet) return refuse(peer, undefined, 'malformed', `malformed: ${packet.problem}`)
    const known = await sender(packet, peer)
    if (!known) return
    const { nas, secret } = known
    if (packet.code === Code.StatusServer) return statusServer(packet, peer, nas, secret, Code.AccessAccept)
    if (packet.code !== Code.AccessRequest) return drop(address, nas.name, 'unexpected code', `unexpected code ${packet.code} on the authentication port`)
    // BlastRADIUS forges a packet on the wire, which TLS rules out
    const problem = peer.tls ? tlsMessageAuthenticatorProblem(packet, secret) : messageAuthenticatorProblem(nas, packet, secret)
    if (problem) return refuse(peer, nas.name, problem)
    // what a RadSec client sends says nothing of what the NAS sends over UDP
    if (!peer.tls && nas.message_authenticator === 'auto' && nas.seen_message_authenticator === 0 && checkMessageAuthenticator(packet, secret) === 'valid') {
      void learnMessageAuthenticator(services, nas).catch((err: unknown) => log.error({ err }, 'could not note that a NAS sends Message-Authenticator'))
    }
    // a RadSec client sends a request its broken connection left unanswered again over a new one, from another port
    const key = duplicateKey(address, peer.tls ? 0 : peer.port, packet.raw)
    const seen = duplicates.check(key)
    if (Buffer.isBuffer(seen)) return void peer.send(seen)
    if (seen === 'in flight') return drop(address, nas.name, 'retransmission in flight')
    const busy = inFlight.get(nas.id) ?? 0
    if (busy >= maxInFlight) {
      duplicates.answered(key, undefined)
      return drop(address, nas.name, 'too many requests in flight')
    }
    const shared = services.store.engine === 'postgres' ? sharedReplies(services, nas.id, packet.raw) : undefined
    const claim = await shared?.claim().catch((err: unknown) => {
      duplicates.forget(key)
      throw err
    })
    if (Buffer.isBuffer(claim)) {
      duplicates.answered(key, claim)
      return void peer.send(claim)
    }
    if (claim === null) {
      duplicates.forget(key)
      return drop(address, nas.name, 'retransmission in flight', 'retransmission in flight on another node')
    }
    inFlight.set(nas.id, busy + 1)
    const started = performance.now()
    let answer: Answer
    try {
      const requestLog = lazyChild(log, () => ({ ip: address, nas: nas.name }))
      answer = await accessRequest(withLog(services, requestLog), nas, secret, packet, address)
    } catch (err) {
      log.error({ err, ip: address, nas: nas.name }, 'RADIUS: internal error while deciding an Access-Request')
      answer = { drop: 'internal error' }
    } finally {
      inFlight.set(nas.id, (inFlight.get(nas.id) ?? 1) - 1)
    }
    if ('drop' in answer) {
      duplicates.answered(key, undefined)
      await shared?.release().catch((err: unknown) => log.error({ err, ip: address, nas: nas.name }, 'RADIUS: could not release a dropped request'))
      return drop(address, nas.name, answer.drop)
    }
    services.metrics?.radius(nas.name, answer.outcome, (performance.now() - started) / 1000)
    const reply = encodeReply({
      code: answer.reply,
      identifier: packet.identifier,
      requestAuthenticator: packet.authenticator,
      secret,
      // a Reject says no more than that (and MS-CHAP's error code, which its peers wait for)
      attributes: answer.reply === Code.AccessReject ? [{ type: Attr.ReplyMessage, value: Buffer.from('Access denied') }, ...(answer.attributes ?? [])] : (answer.attributes ?? []),
      proxyStates: attributes(packet, Attr.ProxyState),
    })
    duplicates.answered(key, reply)
    // a reply not kept only loses the other nodes' view of it: it is sent all the same
    await shared?.keep(reply).catch((err: unknown) => log.error({ err, ip: address, nas: nas.name }, 'RADIUS: could not keep a reply for retransmissions'))
    const outcome =
      answer.reply === Code.AccessAccept ? 'succeeded' : answer.reply === Code.AccessChallenge ? 'challenged' : `Failed: AccessRejectException: ${rejectSignatures[answer.outcome as keyof typeof rejectSignatures]}`
    log.info(
      { ip: address, nas: nas.name, user: answer.user },
      `RADIUS: ${packet.identifier} ${codeName(answer.reply)}(${answer.reply}) LEN=${reply.length} ${address}:${peer.port} Access-Request by ${answer.user} ${outcome}`,
    )
    if (answer.reply !== Code.AccessReject || rejectDelayMs === 0) return void peer.send(reply)
    const timer = setTimeout(() => {
      timers.delete(timer)
      peer.send(reply)
    }, rejectDelayMs)
    timers.add(timer)
  }

  /** RFC 5997: Status-Server must carry a right Message-Authenticator; the answer says the server is up. */
  function statusServer(packet: Packet, peer: Peer, nas: NasClient, secret: Buffer, code: number): void {
    if (checkMessageAuthenticator(packet, secret) !== 'valid') return refuse(peer, nas.name, 'Status-Server without a right Message-Authenticator')
    peer.send(encodeReply({ code, identifier: packet.identifier, requestAuthenticator: packet.authenticator, secret, requestCode: Code.StatusServer }))
  }

  async function onAccounting(datagram: Buffer, peer: Peer): Promise<void> {
    const address = peer.address
    const packet = decodePacket(datagram)
    if ('problem' in packet) return refuse(peer, undefined, 'malformed', `malformed: ${packet.problem}`)
    const known = await sender(packet, peer)
    if (!known) return
    const { nas, secret } = known
    if (packet.code === Code.StatusServer) return statusServer(packet, peer, nas, secret, Code.AccountingResponse)
    if (packet.code !== Code.AccountingRequest) return drop(address, nas.name, 'unexpected code', `unexpected code ${packet.code} on the accounting port`)
    const problem = accounting(packet, secret)
    if (problem) return refuse(peer, nas.name, problem)
    const reply = encodeReply({
      code: Code.AccountingResponse,
      identifier: packet.identifier,
      requestAuthenticator: packet.authenticator,
      secret,
      proxyStates: attributes(packet, Attr.ProxyState),
      requestCode: packet.code,
    })
    peer.send(reply)
    const status = attribute(packet, Attr.AcctStatusType)
    const user = shownName(attribute(packet, Attr.UserName)?.toString('utf8') ?? '')
    log.info({ ip: address, nas: nas.name, user }, `RADIUS: Accounting-Request (${statusName(status)}) for user ${user} from NAS ${nas.name}`)
  }

  return {
    auth: onAuth,
    accounting: onAccounting,
    nasAt: async (address) => nasFor(await currentSettings(), address),
    close() {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
    },
  }
}

/** Over TLS (RFC 6614) a Message-Authenticator that is there must be right; none is needed, TLS protects the packet. */
const tlsMessageAuthenticatorProblem = (packet: Packet, secret: Buffer) => (checkMessageAuthenticator(packet, secret) === 'invalid' ? 'wrong Message-Authenticator' : undefined)

/** The UDP listeners; `handler` may be shared with a RadSec listener (one in-flight count for a NAS on both). */
export async function startRadius(services: Services, options: RadiusOptions, handler = createRadiusHandler(services, options)): Promise<RadiusServer> {
  const log = services.log
  const handled = (socket: Socket, handle: RadiusHandler['auth']) => (datagram: Buffer, from: RemoteInfo) => {
    const peer: Peer = { address: normaliseAddress(from.address), port: from.port, send: (reply) => socket.send(reply, from.port, from.address) }
    handle(datagram, peer).catch((err: unknown) => log.error({ err }, 'RADIUS: internal error'))
  }
  const authSocket = await bound(options.host, options.port)
  const accountingSocket = await bound(options.host, options.port === 0 ? 0 : options.port + 1).catch(async (err: unknown) => {
    await close(authSocket)
    throw err
  })
  authSocket.on('message', handled(authSocket, handler.auth))
  accountingSocket.on('message', handled(accountingSocket, handler.accounting))
  return {
    auth: authSocket.address(),
    accounting: accountingSocket.address(),
    async close() {
      handler.close()
      await Promise.all([close(authSocket), close(accountingSocket)])
    },
  }
}

/** A UDP socket on `host` (either family), or on every address: IPv6 with IPv4 mapped, else IPv4 where IPv6 is off. */
async function bound(host: string | undefined, port: number): Promise<Socket> {
  if (host !== undefined) return listen(createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' }), host, port)
  try {
    return await listen(createSocket({ type: 'udp6', ipv6Only: false }), '::', port)
  } catch {
    return listen(createSocket({ type: 'udp4' }), '0.0.0.0', port)
  }
}

function listen(socket: Socket, host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', reject)
      // a send that fails (an ICMP unreachable reported back) must not stop the server
      socket.on('error', () => undefined)
      resolve(socket)
    })
  })
}

const close = (socket: Socket) => new Promise<void>((resolve) => socket.close(() => resolve()))

const statusNames = new Map<number, string>(Object.entries(AcctStatusType).map(([name, value]) => [value, name]))

/** Acct-Status-Type by its name (RFC 2866 §5.1), or its number. */
const statusName = (value: Buffer | undefined) => (value?.length === 4 ? (statusNames.get(value.readUInt32BE(0)) ?? String(value.readUInt32BE(0))) : 'no status')
