import { connect as netConnect, type Socket } from 'node:net'

/** A bare TCP connection to the server, for bytes no well-behaved client would send. */
export interface RawConnection {
  readonly socket: Socket
  write(data: string | Buffer): Promise<void>
  /** Everything the server sent so far. */
  received(): string
  /** Resolves when the server (or we) closed the connection; never rejects. */
  readonly closed: Promise<void>
  /** Resolves once what was received matches, or the connection closed. */
  waitFor(match: RegExp, timeoutMs?: number): Promise<string>
}

interface Tap {
  teardown(fn: () => unknown): void
}

export async function connect(t: Tap, url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url)
  const socket = netConnect({ host: hostname, port: Number(port) })
  t.teardown(() => socket.destroy())
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const chunks: Buffer[] = []
  const listeners = new Set<() => void>()
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk)
    listeners.forEach((l) => l())
  })
  // a reset is one way for the server to end a connection; the test looks at what arrived
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  void closed.then(() => listeners.forEach((l) => l()))
  const received = () => Buffer.concat(chunks).toString('latin1')
  return {
    socket,
    write: (data) =>
      new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve()))),
    received,
    closed,
    waitFor: (match, timeoutMs = 10_000) =>
      new Promise((resolve) => {
        const check = () => {
          if (match.test(received()) || socket.destroyed) finish()
        }
        const finish = () => {
          listeners.delete(check)
          clearTimeout(timer)
          resolve(received())
        }
        const timer = setTimeout(finish, timeoutMs)
        listeners.add(check)
        check()
      }),
  }
}

/** The head of a POST to `path` on `host`, with the given extra header lines. */
export function postHead(path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ Host: 'localhost', 'Content-Type': 'text/xml', ...headers }).map(([k, v]) => `${k}: ${v}`)
  return `POST ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`
}
