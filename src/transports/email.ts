import nodemailer from 'nodemailer'
import { isPlainEmailAddress } from '../domain/email-address.js'
import { type SmtpServer, smtpLabel } from './settings.js'
import type { Delivery, Transport } from './transport.js'

export interface EmailSettings {
  readonly server: SmtpServer
  readonly from: string
  /** smtp:// only: fail rather than send without STARTTLS. */
  readonly requireTls: boolean
  /** PEM CA certificate(s) to trust besides the system's. */
  readonly ca: string | undefined
}

/**
 * Email through an SMTP server with nodemailer: `smtps://` is TLS from the first byte, `smtp://`
 * upgrades with STARTTLS whenever the server offers it (always, with `requireTls`). The
 * connection is pooled; `close()` ends it (a command's end, a settings change, the server's stop).
 */
export function emailTransport(settings: EmailSettings): Transport {
  const { server } = settings
  const mailer = nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: server.secure,
    requireTLS: settings.requireTls,
    auth: server.user === undefined ? undefined : { user: server.user, pass: server.pass ?? '' },
    tls: { minVersion: 'TLSv1.2', ...(settings.ca ? { ca: settings.ca } : {}) },
    // one connection kept open for the queue's next message, which is sent in turn: no new
    // handshake a message (a first sync's thousands of PINs went at 9 a second without it),
    // closed when idle well before the socket's own timeout
    pool: true,
    maxConnections: 1,
    idleTimeout: 10_000,
    // well inside the worker's claim on the message (2 minutes)
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
    // nodemailer's own log would print the message, code included: keep it silent
    logger: false,
    debug: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  })
  const label = `${smtpLabel(server)}${settings.requireTls ? ' (STARTTLS required)' : ''}`
  return {
    label,
    async send({ destination, subject, body }: Delivery) {
      // checked when the user was saved; a row from before that is never read as a display name or group
      if (!isPlainEmailAddress(destination)) throw new Error('the destination is not a plain email address; correct the user\'s email')
      let info: { rejected: unknown[] }
      try {
        // the address as an object: nodemailer sends to exactly it, without parsing it again
        info = await mailer.sendMail({ from: settings.from, to: { name: '', address: destination }, subject, text: body })
      } catch (err) {
        throw new Error(`SMTP ${smtpLabel(server)}: ${describe(err)}`)
      }
      if (info.rejected.length > 0) throw new Error(`SMTP ${smtpLabel(server)}: recipient refused`)
    },
    close: () => mailer.close(),
  }
}

/** nodemailer's error: its code and text, which quote the server's answer (never the message sent). */
function describe(err: unknown): string {
  const { code, message } = err as { code?: string; message?: string }
  return `${code ?? 'error'}: ${message ?? String(err)}`.replace(/\s+/g, ' ').slice(0, 300)
}
