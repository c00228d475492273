import { claimMessage, markFailed, markRetry, markSent, nextDueTime } from '../db/repositories/messages.js'
import type { Message } from '../db/schema/index.js'
import type { Services } from '../domain/services.js'
import { messages } from '../protocol/messages.js'
import { decrypt } from '../secrets.js'
import { defaultRetryDelays } from './settings.js'
import type { Transport } from './transport.js'

/** How long a claimed message stays ours before another process may take it over (> any send timeout). */
const leaseMs = 120_000

export type Transports = ReadonlyMap<string, Transport>

/** The transports and retry delays in force now (the shared settings may have changed since the last pass). */
export type TransportSource = () => Promise<{ readonly transports: Transports; readonly retryDelays: readonly number[] }>

export interface DeliveryOptions {
  /** Milliseconds before each retry with fixed transports; default `defaultRetryDelays`. A TransportSource says its own. */
  readonly retryDelays?: readonly number[] | undefined
}

export interface DeliverDueOptions extends DeliveryOptions {
  /** Only this message. */
  readonly id?: number | undefined
  /**
   * Leave messages for transports this process lacks to someone who has them (a command run
   * without the SMTP settings leaves mail to the server). The server takes every message, so a
   * transport nobody configured ends in a failure that says so.
   */
  readonly onlyConfigured?: boolean | undefined
  /** Asked before each message: a server that is stopping leaves the rest queued for later. */
  readonly stopping?: (() => boolean) | undefined
}

export interface DeliveryReport {
  /** Messages claimed and tried. */
  readonly attempted: number
  readonly sent: number
}

type Outcome = 'sent' | 'retry' | 'failed' | 'lost'

/**
 * This worker took longer than its lease and another one claimed the message: what the other
 * one records stands (the message may have gone out twice: delivery is at least once).
 */
function leaseLost(services: Services, fields: Record<string, unknown>): Outcome {
  services.log.warn({ ...fields, event: 'messageLeaseLost' }, `Message ${String(fields.messageId)} to user: ${String(fields.user)}: the lease ran out before delivery was recorded; another worker has it`)
  return 'lost'
}

async function deliverOne(services: Services, transports: Transports, message: Message, options: DeliveryOptions): Promise<Outcome> {
  const { db, log } = services
  const fields = { user: message.user_name, destination: message.destination, messageId: message.id, transport: message.transport }
  const claim = { id: message.id, attempts: message.attempts }
  if (message.expires_at !== null && message.expires_at <= services.now()) {
    // the code inside no longer works: sending it would only confuse the user
    await markFailed(db, claim, 'the provision code expired before it could be delivered', true)
    log.warn({ ...fields, event: 'messageExpired', attempts: message.attempts }, `Message to user: ${message.user_name} not sent: its provision code expired before it could be delivered`)
    return 'failed'
  }
  try {
    const transport = transports.get(message.transport)
    if (!transport) throw new Error(`the ${message.transport} transport is not configured`)
    if (!message.body) throw new Error('message has no body')
    const body = decrypt(services.keys, message.body, 'message')
    await transport.send({ user: message.user_name, transport: message.transport, destination: message.destination, subject: message.subject, body })
  } catch (err) {
    // transports throw errors that name the problem, never the message text
    const reason = (err instanceof Error ? err.message : String(err)).slice(0, 500)
    const delay = (options.retryDelays ?? defaultRetryDelays)[message.attempts - 1]
    if (delay === undefined) {
      if (!(await markFailed(db, claim, reason))) return leaseLost(services, fields)
      log.error({ ...fields, event: 'messageFailed', reason, attempts: message.attempts }, `Message to user: ${message.user_name} failed after ${message.attempts} tries: ${reason}`)
      return 'failed'
    }
    if (!(await markRetry(db, claim, services.now() + delay, reason))) return leaseLost(services, fields)
    log.warn({ ...fields, event: 'messageRetry', reason, attempts: message.attempts, retryInMs: delay }, `Message to user: ${message.user_name} not sent, will retry: ${reason}`)
    return 'retry'
  }
  if (!(await markSent(db, claim, services.now()))) return leaseLost(services, fields)
  log.info({ ...fields, event: 'messageSent', attempts: message.attempts }, messages.messageSent(message.user_name, message.destination))
  return 'sent'
}

/**
 * Deliver every message that is due (or only message `id`). Each is claimed in one statement,
 * so the server and a command running at the same time never send one twice.
 */
export async function deliverDue(services: Services, source: Transports | TransportSource, options: DeliverDueOptions = {}): Promise<DeliveryReport> {
  // read once a pass: a settings change applies from the next message on
  const { transports, retryDelays } = typeof source === 'function' ? await source() : { transports: source, retryDelays: options.retryDelays }
  const filter = { id: options.id, transports: options.onlyConfigured ? [...transports.keys()] : undefined }
  let attempted = 0
  let sent = 0
  while (!options.stopping?.()) {
    const now = services.now()
    const message = await claimMessage(services.db, now, now + leaseMs, filter)
    if (!message) break
    attempted += 1
    const outcome = await deliverOne(services, transports, message, { retryDelays })
    services.metrics?.delivery(message.transport, outcome)
    if (outcome === 'sent') sent += 1
    if (options.id !== undefined) break
  }
  return { attempted, sent }
}

export interface Worker {
  /** Look for due messages now (after one was queued). */
  wake(): void
  stop(): Promise<void>
}

export interface WorkerOptions extends DeliveryOptions {
  /** Look at the queue at least this often (messages queued by a command, leases run out). */
  readonly pollMs?: number
}

/** The server's delivery loop: runs when woken, when a retry falls due, and every `pollMs` anyway. */
export function startWorker(services: Services, transports: Transports | TransportSource, options: WorkerOptions = {}): Worker {
  const pollMs = options.pollMs ?? 5_000
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let again = false
  let stopped = false

  const schedule = async () => {
    const due = await nextDueTime(services.db)
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
          await deliverDue(services, transports, { ...options, stopping: () => stopped })
        } catch (err) {
          services.log.error({ err }, 'message queue worker failed')
        }
      } while (again && !stopped)
      await schedule().catch(() => undefined)
    })().finally(() => {
      running = undefined
      // woken while the next pass was being scheduled (after the loop's last look at `again`)
      if (again && !stopped) run()
    })
  }
  setImmediate(run)
  return {
    wake: () => {
      if (!stopped) run()
    },
    /** Waits for the message being sent, not for the rest of the queue: those stay due for the next start or another node. */
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
