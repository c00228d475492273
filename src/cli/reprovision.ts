import { createProvisionCode } from '../domain/provision-code.js'
import { deliverNow } from './deliver.js'
import { deliveryOptions } from './delivery-options.js'
import { type Io, parse, positional, print, withServices } from './shared.js'

/** `agentxml reprovision NAME [--print-code]`: the admin's Reprovision button (spec §5). */
export async function reprovision(args: readonly string[], io: Io): Promise<void> {
  const { values, positionals } = parse(args, { 'print-code': { type: 'boolean' }, ...deliveryOptions })
  const name = positional(positionals, 0, 'user name')
  const printCode = values['print-code'] === true
  await withServices(values, io, async (services, config) => {
    const created = await createProvisionCode(services, name, { deliver: !printCode })
    if (printCode) return print(io, created.code)
    if (created.messageId === undefined) return
    // try to deliver it now; a message that cannot go yet stays queued for the server to retry
    const report = await deliverNow(services, config, created.messageId)
    if (report.attempted === 0) print(io, `Message ${created.messageId} stays queued for the server to deliver.`)
  })
}
