import type { AddressInfo } from 'node:net'
import { createServer, type PeerCertificate, type TLSSocket } from 'node:tls'
import { normaliseAddress } from '../domain/networks.js'
import type { Services } from '../domain/services.js'
import { Code } from './attributes.js'
import { dropReporter, limitedWarnings } from './drops.js'
import { createRadiusHandler, type HandlerOptions, type Peer, type RadiusHandler } from './server.js'
import { packetStream } from './stream.js'

export interface RadsecOptions extends HandlerOptions {
  /** Where to listen; undefined: every address, IPv6 and IPv4. */
  readonly host?: string | undefined
  /** Authentication, accounting and Status-Server on the one port (2083 by convention). */
  readonly port: number
  /** PEM: the server's certificate (with its chain) and its key. */
  readonly cert: Buffer
  readonly key: Buffer
  /** PEM: the CA (or CAs) that signed the NASes' client certificates; no other is trusted. */
  readonly ca: Buffer
}

export interface RadsecServer {
  readonly address: AddressInfo
  close(): Promise<void>
}

/** RFC 6614 §2.3: over TLS the shared secret is this fixed text, whatever the NAS's own. */
export const radsecSecret = Buffer.from('radsec')

/** A peer that connects and never finishes its handshake is let go. */
const handshakeTimeoutMs = 10_000
/** A connection with no packet at all (not even Status-Server) for this long is closed; the NAS opens another when it needs one. */
const idleTimeoutMs = 15 * 60_000
/** Connections open at once, every NAS together: more are refused at once. */
const maxConnections = 1000

/**
 * RADIUS over TLS (RFC 6614): mutual TLS, the NAS's client certificate signed by the CA given,
 * the NAS the one whose network holds the connection's address (as over UDP), then packets back
 * to back on the stream, Access-Request, Accounting-Request and Status-Server alike, decided by
 * the same handler as UDP's.
 */
export async function startRadsec(services: Services, options: RadsecOptions, handler: RadiusHandler = createRadiusHandler(services, options)): Promise<RadsecServer> {
  const log = services.log
  const warn = limitedWarnings(log)
  const drop = dropReporter(log, services.metrics)
  const connections = new Set<TLSSocket>()
  const server = createServer({
    cert: options.cert,
    key: options.key,
    ca: options.ca,
    requestCert: true,
    // checked on 'secureConnection' instead: node's own refusal closes the socket without saying whose certificate it was, or why
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
    handshakeTimeout: handshakeTimeoutMs,
  })
  server.maxConnections = maxConnections

  const refuse = (socket: TLSSocket, address: string, why: string, fields: Record<string, unknown> = {}) => {
    warn(`${address}|${why}`, { ip: address, ...fields }, `RadSec: connection from ${address} refused: ${why}`)
    socket.destroy()
  }

  async function accepted(socket: TLSSocket): Promise<void> {
    const address = normaliseAddress(socket.remoteAddress ?? '')
    const port = socket.remotePort ?? 0
    const certificate = socket.getPeerCertificate()
    const named = { subject: distinguishedName(certificate.subject), issuer: distinguishedName(certificate.issuer) }
    if (!socket.authorized) {
      if (!certificate.subject) return refuse(socket, address, 'no client certificate')
      return refuse(socket, address, `certificate "${named.subject}" issued by "${named.issuer}" (${String(socket.authorizationError)})`, named)
    }
    const nas = await handler.nasAt(address)
    if (!nas) return refuse(socket, address, 'no NAS covers its address', named)
    log.info(
      { ip: address, nas: nas.name, ...named, fingerprint: certificate.fingerprint256 },
      `RadSec: connection from ${address}:${port} (NAS ${nas.name}), certificate "${named.subject}" issued by "${named.issuer}"`,
    )
    let open = true
    const close = () => {
      open = false
      // a TLS close_notify, then the TCP connection closed (RFC 6613 §2.6.4)
      socket.end(() => socket.destroy())
    }
    const peer: Peer = {
      address,
      port,
      tls: { secret: radsecSecret, refused: close },
      send: (reply) => void (socket.writable && socket.write(reply)),
    }
    const read = packetStream(
      (raw) => {
        if (!open) return
        // one port for both (RFC 6614 §2.1): Status-Server is answered as on the authentication port
        const handle = raw[0] === Code.AccountingRequest ? handler.accounting : handler.auth
        handle(raw, peer).catch((err: unknown) => log.error({ err }, 'RADIUS: internal error'))
      },
      (problem) => {
        drop(address, nas.name, 'malformed', `malformed: ${problem}`)
        close()
      },
    )
    socket.on('data', read)
    socket.setTimeout(idleTimeoutMs, close)
    socket.setKeepAlive(true, 60_000)
    socket.once('close', () => log.debug({ ip: address, nas: nas.name }, `RadSec: connection from ${address}:${port} closed`))
  }

  server.on('secureConnection', (socket: TLSSocket) => {
    connections.add(socket)
    socket.once('close', () => connections.delete(socket))
    // a peer that resets its connection is no error of the server's
    socket.on('error', (err: NodeJS.ErrnoException) => log.debug({ err: err.code }, 'RadSec: connection error'))
    accepted(socket).catch((err: unknown) => {
      log.error({ err }, 'RadSec: internal error')
      socket.destroy()
    })
  })
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    const address = socket.remoteAddress ? normaliseAddress(socket.remoteAddress) : 'an address gone'
    warn(`${address}|handshake`, { ip: address, err: err.code }, `RadSec: TLS handshake with ${address} failed: ${err.code ?? err.message}`)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    address: server.address() as AddressInfo,
    async close() {
      handler.close()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of connections) socket.destroy()
      await closed
    },
  }
}

/** A certificate's subject or issuer as one line (`CN=vpn-gw-1, O=Example`); '' when there is none. */
function distinguishedName(name: PeerCertificate['subject'] | undefined): string {
  return Object.entries(name ?? {})
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`)
    .join(', ')
}
