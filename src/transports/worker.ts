import type { Db } from '../db/index.js'
import { claimMessage, markFailed, markRetry, markSent, nextDueTime } from '../db/repositories/messages.js'
import type { Message } from '../db/schema/index.js'
import type { Services } from '../domain/services.js'
import { messages } from '../protocol/messages.js'
import { decrypt } from '../secrets.js'
import type { Transport } from './transport.js'

/** Delays before the 2nd, 3rd, ... try: six tries over about an hour, then the message fails. */
export const retryDelays = [30_000, 120_000, 300_000, 900_000, 2_400_000]
/** How long a claimed message stays ours before another process may take it over. */
const leaseMs = 120_000

export type Transports = ReadonlyMap<string, Transport>

async function deliverOne(services: Services, transports: Transports, message: Message): Promise<void> {
  const { db, log } = services
  const fields = { user: message.user_name, destination: message.destination, messageId: message.id }
  try {
    const transport = transports.get(message.transport)
    if (!transport) throw new Error(`the ${message.transport} transport is not configured`)
    if (!message.body) throw new Error('message has no body')
    const body = decrypt(services.keys, message.body, 'message')
    await transport.send({ user: message.user_name, transport: message.transport, destination: message.destination, subject: message.subject, body })
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    const delay = retryDelays[message.attempts - 1]
    if (delay === undefined) {
      await markFailed(db, message.id, reason)
      log.error({ ...fields, event: 'messageFailed', reason, attempts: message.attempts }, `Message to user: ${message.user_name} failed after ${message.attempts} tries: ${reason}`)
    } else {
      await markRetry(db, message.id, services.now() + delay, reason)
      log.warn({ ...fields, reason, attempts: message.attempts, retryInMs: delay }, `Message to user: ${message.user_name} not sent, will retry: ${reason}`)
    }
    return
  }
  await markSent(db, message.id, services.now())
  log.info({ ...fields, event: 'messageSent' }, messages.messageSent(message.user_name, message.destination))
}

/**
 * Deliver every message that is due (or only message `id`). Each is claimed in one statement,
 * so the server and a command running at the same time never send one twice.
 */
export async function deliverDue(services: Services, transports: Transports, id?: number): Promise<number> {
  let delivered = 0
  for (;;) {
    const now = services.now()
    const message = await claimMessage(services.db, now, now + leaseMs, id)
    if (!message) return delivered
    await deliverOne(services, transports, message)
    delivered += 1
    if (id !== undefined) return delivered
  }
}

export interface Worker {
  /** Look for due messages now (after one was queued). */
  wake(): void
  stop(): Promise<void>
}

/** The server's delivery loop: runs when woken, when a retry falls due, and every `pollMs` anyway. */
export function startWorker(services: Services, transports: Transports, pollMs = 5_000): Worker {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let again = false
  let stopped = false

  const schedule = async (db: Db) => {
    const due = await nextDueTime(db)
    const wait = due === undefined ? pollMs : Math.min(pollMs, Math.max(0, due - services.now()))
    if (!stopped) timer = setTimeout(run, wait)
  }
  const run = () => {
    if (stopped) return
    clearTimeout(timer)
    if (running) {
      again = true
      return
    }
    running = (async () => {
      do {
        again = false
        try {
          await deliverDue(services, transports)
        } catch (err) {
          services.log.error({ err }, 'message queue worker failed')
        }
      } while (again && !stopped)
      await schedule(services.db).catch(() => undefined)
    })().finally(() => {
      running = undefined
    })
  }
  setImmediate(run)
  return {
    wake: () => {
      if (!stopped) run()
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
