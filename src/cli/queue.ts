import { queueList, retryMessage } from '../transports/queue-admin.js'
import { deliverNow } from './deliver.js'
import { deliveryOptions } from './delivery-options.js'
import { formatTime, type Io, parse, positional, print, table, UsageError, withServices } from './shared.js'

/** `agentxml queue list [--status S] [--limit N]` and `agentxml queue retry ID`. */
export async function queue(args: readonly string[], io: Io): Promise<void> {
  const [verb, ...rest] = args
  const { values, positionals } = parse(rest, { status: { type: 'string' }, limit: { type: 'string' }, ...deliveryOptions })
  await withServices(values, io, async (services, config) => {
    if (verb === 'list') {
      const limit = values.limit === undefined ? undefined : number(values.limit, 'limit')
      const rows = (await queueList(services, { status: values.status, limit })).map((m) => [
        String(m.id),
        m.user,
        m.transport,
        m.destination,
        m.status,
        String(m.attempts),
        m.sentAt !== undefined ? `sent ${formatTime(m.sentAt)}` : m.nextAttemptAt !== undefined ? `next ${formatTime(m.nextAttemptAt)}` : '-',
        m.lastError ?? '-',
      ])
      print(io, table([['ID', 'USER', 'TRANSPORT', 'DESTINATION', 'STATUS', 'TRIES', 'WHEN', 'LAST ERROR'], ...rows]))
    } else if (verb === 'retry') {
      const id = number(positional(positionals, 0, 'message id'), 'message id')
      await retryMessage(services, id)
      const report = await deliverNow(services, config, id)
      if (report.sent === 1) print(io, `message ${id} sent`)
      else if (report.attempted === 1) print(io, `message ${id} not sent yet; see queue list`)
      else print(io, `message ${id} is due now; the server will deliver it`)
    } else {
      throw new UsageError(`unknown queue command "${verb ?? ''}"`)
    }
  })
}

function number(text: string, name: string): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1) throw new UsageError(`${name} must be a positive number, not "${text}"`)
  return Number(text)
}
