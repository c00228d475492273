import { readFileSync } from 'node:fs'
import { changeDeliverySettings, listDeliverySettings } from '../domain/delivery-admin.js'
import { type DeliveryKey, deliveryKeyDefinitions, deliveryKeys, isDeliveryKey } from '../transports/setting-keys.js'
import { assertNoMore, CliError, type Command, dbHelp, type Io, parseFor, positional, print, table, UsageError, withServices } from './shared.js'

const usage = `Usage: agentxml settings <command> ...

The delivery and site settings every node and command shares, stored in the database beside the
policies and applied by every node at its next message. A process's own flag or AGENTXML_*
variable of the same name (agentxml serve --help) overrides one for that process; a setting
neither stored nor given has its built-in default.

  settings show                    every setting; "-" where none is stored, a sealed one only as set
  settings set KEY VALUE           checked as the flag is: a bad value is refused and changes nothing
  settings set KEY --file FILE     the value is the file's text ("-": standard input), for templates,
                                   the CA certificate, or a secret kept out of the shell's history
  settings set sms-header 'Name: value' ...   every header line at once
  settings unset KEY               the built-in default (or a node's flag) applies again

${deliveryKeys.map((key) => `  ${key.padEnd(22)}${deliveryKeyDefinitions[key].allowed}${deliveryKeyDefinitions[key].sealed ? ' (sealed)' : ''}`).join('\n')}

Sealed settings (they may carry a password or a token) are stored encrypted with the master key
and never shown or logged.
${dbHelp}
`

const options = { file: { type: 'string' } } as const

/** `agentxml settings show|set|unset`: the shared delivery settings (transports/setting-keys.ts). */
export const settings: Command = {
  name: 'settings',
  usage,
  verbs: ['show', 'set', 'unset'],
  async run(args, io) {
    const [verb, ...rest] = args
    const { values, positionals } = parseFor(rest, options, verb === 'set' ? ['file'] : [])
    if (verb === 'show') assertNoMore(positionals, 0)
    const key = verb === 'show' ? undefined : settingKey(positional(positionals, 0, 'setting'))
    const value = key && verb === 'set' ? await valueOf(io, key, positionals.slice(1), values.file) : undefined
    if (verb === 'unset') assertNoMore(positionals, 1)
    await withServices(values, io, async (services) => {
      if (!key) {
        const rows = (await listDeliverySettings(services)).map((row) => [row.key, oneLine(row.shown ?? '-')])
        return print(io, table([['KEY', 'VALUE'], ...rows]))
      }
      // the console's own path: checked, stored (sealed when it may hold a secret), logged and audited with who ran it
      const changed = await changeDeliverySettings(services, new Map([[key, value]]))
      if (changed.length === 0) print(io, `${key} unchanged`)
    })
  },
}

function settingKey(text: string): DeliveryKey {
  if (!isDeliveryKey(text)) throw new CliError(`unknown setting "${text}"; known: ${deliveryKeys.join(', ')}`)
  return text
}

/** The value of `set`: the arguments, or the file's text; a template or a certificate only from a file. */
async function valueOf(io: Io, key: DeliveryKey, words: readonly string[], file: string | undefined): Promise<string> {
  if (file !== undefined) {
    assertNoMore(words, 0)
    return file === '-' ? await allOf(io.stdin) : readFileSync(file, 'utf8')
  }
  if (deliveryKeyDefinitions[key].file) throw new UsageError(`${key} takes --file FILE (its text)`)
  if (words.length === 0) throw new UsageError('missing value')
  if (key === 'sms-header') return words.join('\n')
  assertNoMore(words, 1)
  return words[0] ?? ''
}

async function allOf(input: NodeJS.ReadableStream): Promise<string> {
  let text = ''
  for await (const chunk of input) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8')
  // a secret piped in ends with the newline echo gave it
  return text.replace(/\r?\n$/, '')
}

/** A template's lines on one line, for the table. */
const oneLine = (text: string) => (text.includes('\n') ? `${text.split('\n')[0]} … (${text.split('\n').length} lines)` : text)
