import { appendFile, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Delivery, Transport } from './transport.js'

/**
 * The default transport: one JSON line a message appended to `outbox.jsonl` beside the
 * database (operations.md), so a fresh install works with no mail server.
 */
export function outboxTransport(file: string): Transport {
  return {
    label: file,
    async send({ user, transport, destination, subject, body }: Delivery) {
      await mkdir(dirname(file), { recursive: true })
      const line = JSON.stringify({ time: new Date().toISOString(), user, transport, destination, subject, body })
      // one write of one line with O_APPEND: concurrent writers never interleave
      await appendFile(file, `${line}\n`, { mode: 0o600 })
    },
  }
}
