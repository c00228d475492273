import { createProvisionCode } from '../domain/provision-code.js'
import { createTransports } from '../transports/index.js'
import { deliverDue } from '../transports/worker.js'
import { type Io, parse, positional, print, withServices } from './shared.js'

/** `agentxml reprovision NAME [--print-code]`: the admin's Reprovision button (spec §5). */
export async function reprovision(args: readonly string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, { 'print-code': { type: 'boolean' } })
  const name = positional(positionals, 0, 'user name')
  const printCode = values['print-code'] === true
  await withServices(values, io, async (services, config) => {
    const created = await createProvisionCode(services, name, { deliver: !printCode })
    if (printCode) return print(io, created.code)
    // try to deliver it now; a message that cannot go yet stays queued for the server to retry
    await deliverDue(services, createTransports(config), created.messageId)
  })
}
