import { appendFile, chmod, mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Delivery, Transport } from './transport.js'

/**
 * The default transport: one JSON line a message appended to `outbox.jsonl` beside the
 * database (docs/operations.md), so a fresh install works with no mail server. The lines hold live
 * provision codes in clear (it is a transport, like a mailbox): the file is its owner's only,
 * also when it was made otherwise before.
 */
export function outboxTransport(file: string): Transport {
  let checked = false
  return {
    label: file,
    async send({ user, transport, destination, subject, body }: Delivery) {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 })
      if (!checked) {
        const mode = await stat(file).then((info) => info.mode & 0o777, () => 0o600)
        if ((mode & 0o077) !== 0) await chmod(file, mode & 0o700)
        checked = true
      }
      const line = JSON.stringify({ time: new Date().toISOString(), user, transport, destination, subject, body })
      // one write of one line with O_APPEND: concurrent writers never interleave
      await appendFile(file, `${line}\n`, { mode: 0o600 })
    },
  }
}
