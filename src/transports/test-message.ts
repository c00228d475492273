import { DomainError } from '../domain/errors.js'
import type { Services } from '../domain/services.js'
import type { DeliverySource } from './delivery-settings.js'
import { emailTransport } from './email.js'
import { smsTransport } from './sms.js'

/** The test message could not be sent; the message says why (the transport's own words, never a credential). */
export class TestMessageFailed extends DomainError {}

/**
 * The console's "Send a test message": one message by the email or sms transport of the settings
 * in force now, straight to `destination`, not queued. It carries no code. Resolves with where it
 * went once the SMTP server or the gateway accepted it.
 */
export async function sendTestMessage(services: Services, source: DeliverySource, transport: 'email' | 'sms', destination: string): Promise<string> {
  const effective = source.resolve(await services.store.settings(), services.keys)
  const sender = transport === 'email' ? effective.email && emailTransport(effective.email) : effective.sms && smsTransport(effective.sms)
  const fields = { event: 'testMessageSent', transport, destination }
  try {
    if (!sender) throw new TestMessageFailed(`the ${transport} transport is not configured (${transport === 'email' ? 'smtp-url and smtp-from' : 'sms-url'})`)
    if (destination.trim() === '') throw new TestMessageFailed(`give the ${transport === 'email' ? 'address' : 'phone number'} to send to`)
    const body = `This is a test message from agentxml (${effective.delivery.site}).\nIt carries no code; nothing needs doing.`
    try {
      await sender.send({ user: '-', transport, destination: destination.trim(), subject: 'agentxml test message', body })
    } catch (err) {
      throw new TestMessageFailed((err as Error).message)
    }
    services.log.info(fields, `Test message sent by ${transport} to ${destination.trim()} (${sender.label})`)
    return sender.label
  } catch (err) {
    if (err instanceof TestMessageFailed) services.log.warn({ ...fields, event: 'testMessageFailed', reason: err.message }, `Test message by ${transport} to ${destination.trim()} failed: ${err.message}`)
    throw err
  } finally {
    sender?.close?.()
  }
}
