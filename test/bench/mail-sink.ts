import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

/** An SMTP server (smtp-server) that keeps no mail: how many each recipient got, and when the last arrived. */
export interface MailSink {
  readonly port: number
  /** Mails per recipient address. */
  readonly received: ReadonlyMap<string, number>
  /** Mails accepted so far. */
  count(): number
  /** `Date.now()` when the first and the last mail were accepted; undefined before any. */
  first(): number | undefined
  last(): number | undefined
  close(): Promise<void>
}

/** On 127.0.0.1, plain SMTP without AUTH or STARTTLS, like a relay on the same host. */
export async function startMailSink(): Promise<MailSink> {
  const received = new Map<string, number>()
  let count = 0
  let first: number | undefined
  let last: number | undefined
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    onData(stream, session, callback) {
      stream.resume()
      stream.on('end', () => {
        for (const { address } of session.envelope.rcptTo) received.set(address, (received.get(address) ?? 0) + 1)
        count += 1
        last = Date.now()
        first ??= last
        callback()
      })
    },
  })
  server.on('error', () => undefined)
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    count: () => count,
    first: () => first,
    last: () => last,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
