import { messageStatuses, queueList, retryMessage } from '../transports/queue-admin.js'
import { deliverNow } from './deliver.js'
import { deliveryOptions } from './delivery-options.js'
import { assertNoMore, type Command, dbHelp, formatTime, parseFor, positional, print, table, UsageError, withServices } from './shared.js'

const usage = `Usage: agentxml queue <command> ...

  queue list [--status ${messageStatuses.join('|')}] [--limit N]
      the queued messages: id, user, transport, destination, status, tries, when, last error
      (never the message text, which holds the code); the newest 100 unless --limit
  queue retry ID [delivery options]
      make a queued or failed message due now and try to send it, with the shared settings
      (agentxml settings) under the delivery options given (those of serve: agentxml serve --help)
${dbHelp}
`

/** `agentxml queue list [--status S] [--limit N]` and `agentxml queue retry ID`. */
export const queue: Command = {
  name: 'queue',
  usage,
  verbs: ['list', 'retry'],
  async run(args, io) {
    const [verb, ...rest] = args
    const list = verb === 'list'
    const options = { status: { type: 'string' }, limit: { type: 'string' }, ...deliveryOptions } as const
    const { values, positionals } = parseFor(rest, options, list ? ['status', 'limit'] : (Object.keys(deliveryOptions) as (keyof typeof deliveryOptions)[]))
    assertNoMore(positionals, list ? 0 : 1)
    const limit = list && values.limit !== undefined ? number(values.limit, '--limit') : undefined
    const id = list ? 0 : number(positional(positionals, 0, 'message id'), 'message id')
    await withServices(values, io, async (services, config) => {
      if (list) {
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
        return print(io, table([['ID', 'USER', 'TRANSPORT', 'DESTINATION', 'STATUS', 'TRIES', 'WHEN', 'LAST ERROR'], ...rows]))
      }
      await retryMessage(services, id)
      const report = await deliverNow(services, config, id)
      if (report.sent === 1) print(io, `message ${id} sent`)
      else if (report.attempted === 1) print(io, `message ${id} not sent yet; see queue list`)
      else print(io, `message ${id} is due now; the server will deliver it`)
    })
  },
}

function number(text: string, name: string): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1) throw new UsageError(`${name} must be a positive number, not "${text}"`)
  return Number(text)
}
