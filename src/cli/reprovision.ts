import { createProvisionCode } from '../domain/provision-code.js'
import { deliverNow } from './deliver.js'
import { deliveryOptions } from './delivery-options.js'
import { assertNoMore, type Command, dbHelp, parse, positional, print, withServices } from './shared.js'

const usage = `Usage: agentxml reprovision NAME [--print-code] [delivery options]

The admin's Reprovision button: a new one-time provision code for the user, queued to their
transport and delivered at once, with the shared settings (agentxml settings show) under this
command's own delivery options (those of serve: agentxml serve --help). A user whose transport
is configured nowhere is refused, as the console refuses them.

  --print-code   print the code (alone on the last line) instead of sending it
${dbHelp}
`

/** `agentxml reprovision NAME [--print-code]`: the admin's Reprovision button (docs/protocol.md §5). */
export const reprovision: Command = {
  name: 'reprovision',
  usage,
  async run(args, io) {
    const { values, positionals } = parse(args, { 'print-code': { type: 'boolean' }, ...deliveryOptions })
    const name = positional(positionals, 0, 'user name')
    assertNoMore(positionals, 1)
    const printCode = values['print-code'] === true
    await withServices(values, io, async (services, config) => {
      const created = await createProvisionCode(services, name, { deliver: !printCode })
      if (printCode) return print(io, created.code)
      if (created.messageId === undefined) return
      // try to deliver it now; a message that cannot go yet stays queued for the server to retry
      const report = await deliverNow(services, config, created.messageId)
      if (report.attempted === 0) print(io, `Message ${created.messageId} stays queued for the server to deliver.`)
    })
  },
}
