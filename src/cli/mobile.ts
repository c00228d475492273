import { deriveOtc, formatIndex } from '../domain/otc.js'
import { agentXmlUrl, downloadStrings, provision } from '../mobile/agent-xml-client.js'
import { MobileError } from '../mobile/errors.js'
import { defaultStateFile, loadState, type MobileState, nextIndex, remaining, saveState } from '../mobile/state.js'
import { assertNoMore, CliError, type Command, type Io, parse, print, UsageError } from './shared.js'

const usage = `Usage: agentxml mobile <command> ...

A reference mobile client: it speaks HTTP to a running server, as the mobile apps do, and keeps
its state (provision id, security strings) in --state FILE (default ./agentxml-mobile.json, mode 0600).

  mobile provision --server URL --user NAME --code CODE [--state FILE]
      provision with a code, then download 99 security strings
  mobile strings [--new] [--state FILE]
      download a fresh batch (the previous one stops working on the server): refused while
      strings of the current batch are unused, unless --new says to replace them
  mobile otc --pin PIN [--legacy] [--state FILE]
      the next one-time code; AGENTXML_PIN may give the PIN instead of --pin, which other
      users can see in ps
`

/**
 * `agentxml mobile …`: a reference mobile client. It talks to the server only over HTTP, as the
 * real apps do, and keeps its state in one file (`--state`, mode 0600).
 */
export const mobile: Command = {
  name: 'mobile',
  usage,
  verbs: ['provision', 'strings', 'otc'],
  run: runMobile,
}

async function runMobile(args: readonly string[], io: Io): Promise<void> {
  const [verb, ...rest] = args
  const { values, positionals } = parse(rest, {
    server: { type: 'string' },
    user: { type: 'string' },
    code: { type: 'string' },
    pin: { type: 'string' },
    legacy: { type: 'boolean' },
    state: { type: 'string' },
    new: { type: 'boolean' },
  })
  assertNoMore(positionals, 0)
  const file = values.state ?? defaultStateFile
  const note = (line: string) => io.stderr.write(`${line}\n`)
  try {
    if (verb === 'provision') {
      const server = required(values.server, '--server')
      const user = required(values.user, '--user')
      const code = required(values.code, '--code')
      const url = agentXmlUrl(server)
      const id = await provision(url, user, code)
      // the id is kept first: if the download fails, `mobile strings` can try again
      const state: MobileState = { version: 1, server: url, user, id, strings: [], used: [], downloadedAt: null }
      saveState(file, state)
      await refresh(file, state)
      print(io, `provisioned "${user}" at ${url}; 99 security strings downloaded to ${file}`)
    } else if (verb === 'strings') {
      const state = loadState(file)
      assertMayRetire(state, values.new === true)
      await refresh(file, state)
      print(io, `99 security strings downloaded to ${file}`)
    } else if (verb === 'otc') {
      // the environment keeps the PIN out of `ps`, which shows every process's arguments to every user
      const pin = required(values.pin ?? io.env.AGENTXML_PIN, '--pin (or AGENTXML_PIN)')
      if (!/^\d{4,10}$/.test(pin)) throw new CliError('a PIN is 4 to 10 digits')
      let state = loadState(file)
      let index = nextIndex(state)
      if (index === undefined) {
        state = await refresh(file, state)
        note('downloaded a new batch of security strings')
        index = 1
      }
      state = { ...state, used: [...state.used, index] }
      // marked used before it is shown: a code is never shown twice
      saveState(file, state)
      print(io, deriveOtc(state.strings[index] ?? '', pin, index, values.legacy ? 'legacy' : 'modern'))
      note(`index ${formatIndex(index)}, ${remaining(state)} left in this batch`)
    }
  } catch (err) {
    if (err instanceof MobileError) throw new CliError(err.message)
    throw err
  }
}

/**
 * A download retires the batch the client holds, on the server too: its unused strings stop
 * working. So `mobile strings` replaces a batch with strings left only when told to (`--new`).
 */
function assertMayRetire(state: MobileState, told: boolean): void {
  const left = remaining(state)
  if (left === 0 || told) return
  throw new CliError(`${left} security strings of the current batch are unused; "mobile strings --new" downloads a new batch and they stop working`)
}

/** Download a fresh batch: the previous one stops working on the server, so nothing of it is kept. */
async function refresh(file: string, state: MobileState): Promise<MobileState> {
  const strings = await downloadStrings(state.server, state.id)
  const fresh: MobileState = { ...state, strings, used: [], downloadedAt: new Date().toISOString() }
  saveState(file, fresh)
  return fresh
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`mobile needs ${flag}`)
  return value
}
