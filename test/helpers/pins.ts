import type { FastifyInstance } from 'fastify'
import { loadConfig } from '../../src/config.js'
import { deriveOtc } from '../../src/domain/otc.js'
import type { Services } from '../../src/domain/services.js'
import { closeTransports, createTransports } from '../../src/transports/index.js'
import { startWorker } from '../../src/transports/worker.js'
import { build } from './build.js'
import { login, provisionDevice } from './login.js'
import { openMessageBody } from './pin-messages.js'
import { startSmtp } from './smtp.js'

type Tap = { teardown(fn: () => unknown): void }

/** The PIN in a PIN message (the default template says "Your PIN for USER is PIN"). */
export function pinIn(text: string): string | undefined {
  return /^Your PIN for .+ is (\d{4,10})\r?$/m.exec(text)?.[1]
}

/** The queued messages of kind 'pin', oldest first, their sealed bodies opened (empty once sent). */
export async function pinMessages(services: Services) {
  const rows = await services.db.selectFrom('messages').selectAll().where('kind', '=', 'pin').orderBy('id').execute()
  return rows.map((row) => ({ ...row, text: openMessageBody(services, row) }))
}

/** How many messages of kind 'pin' the queue holds, whatever their status. */
export async function countPinMessages(services: Services): Promise<number> {
  const row = await services.db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('count')).where('kind', '=', 'pin').executeTakeFirst()
  return Number(row?.count ?? 0)
}

/** build(t) with the delivery worker sending email to a real SMTP server in this process, as the server does. */
export async function buildWithMail(t: Tap) {
  const smtp = await startSmtp()
  t.teardown(() => smtp.close())
  let wake = () => {}
  const built = await build(t, { extra: { onMessageQueued: () => wake() } })
  const transports = createTransports(loadConfig({ db: ':memory:', outbox: '/dev/null', 'smtp-url': `smtp://127.0.0.1:${smtp.port}`, 'smtp-from': 'noreply@example.com' }, {}))
  const worker = startWorker(built.services, transports)
  wake = worker.wake
  t.teardown(async () => {
    await worker.stop()
    closeTransports(transports)
  })
  return { ...built, smtp }
}

/**
 * What a user does with a PIN they were sent: provision the app, download a batch, and log in
 * with the one-time code of string `index` made with `pin`. The agent must exist (seedAgent).
 */
export async function provisionAndLogin(app: FastifyInstance, services: Services, user: string, pin: string, index = 1) {
  const device = await provisionDevice(app, services, user)
  return login(app, user, deriveOtc(device.strings[index] ?? '', pin, index))
}
