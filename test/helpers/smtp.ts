import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SMTPServer, type SMTPServerOptions } from 'smtp-server'

/** One mail as the SMTP double received it. */
export interface ReceivedMail {
  readonly from: string
  readonly to: string[]
  readonly raw: string
  /** The message text, quoted-printable undone. */
  readonly text: string
  /** Whether the session ran over TLS (smtps or STARTTLS). */
  readonly secure: boolean
  readonly user: string | undefined
}

export interface SmtpDouble {
  readonly port: number
  readonly mails: ReceivedMail[]
  /** Every AUTH attempt, accepted or not. */
  readonly logins: { user: string; pass: string; ok: boolean }[]
  waitForMails(count: number, timeoutMs?: number): Promise<ReceivedMail[]>
  close(): Promise<void>
}

export interface SmtpDoubleOptions {
  readonly port?: number
  /** Require AUTH with these credentials. */
  readonly auth?: { readonly user: string; readonly pass: string }
  /** TLS from the first byte (smtps). */
  readonly secure?: boolean
  /** Offer STARTTLS (needs `tls`). Default: not offered. */
  readonly starttls?: boolean
  readonly tls?: { readonly key: string; readonly cert: string }
}

/** A real SMTP server (smtp-server) in the test process, keeping what it receives. */
export async function startSmtp(options: SmtpDoubleOptions = {}): Promise<SmtpDouble> {
  const mails: ReceivedMail[] = []
  const logins: { user: string; pass: string; ok: boolean }[] = []
  const offerTls = options.secure === true || options.starttls === true
  const serverOptions: SMTPServerOptions = {
    logger: false,
    secure: options.secure === true,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    disabledCommands: [...(offerTls ? [] : ['STARTTLS']), ...(options.auth ? [] : ['AUTH'])],
    authOptional: options.auth === undefined,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      const ok = auth.username === options.auth?.user && auth.password === options.auth?.pass
      logins.push({ user: auth.username ?? '', pass: auth.password ?? '', ok })
      if (!ok) return callback(new Error('Invalid username or password'))
      callback(null, { user: auth.username })
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          text: decodeQuotedPrintable(raw.slice(raw.indexOf('\r\n\r\n') + 4)),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : undefined,
        })
        callback()
      })
    },
  }
  const server = new SMTPServer(serverOptions)
  server.on('error', () => undefined)
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.server.address() as AddressInfo).port
  return {
    port,
    mails,
    logins,
    async waitForMails(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      while (mails.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} mails, got ${mails.length}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return mails
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}

/** A provision code in a message text (the default template says "... is CODE"). */
export function codeIn(text: string): string | undefined {
  return /\bis ([A-Z0-9]{10})\b/.exec(text)?.[1]
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl for this test run. */
export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-tls-'))
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ], { stdio: 'ignore' })
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
