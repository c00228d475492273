import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { firstIndex, lastIndex } from '../domain/otc.js'
import { MobileError } from './errors.js'

export const defaultStateFile = './agentxml-mobile.json'

/**
 * Everything the reference client keeps, in one JSON file. It holds secrets (the provision id,
 * the security strings), so it is written with mode 0600, never with the PIN.
 */
export interface MobileState {
  readonly version: 1
  /** The AgentXML URL the device was provisioned at. */
  readonly server: string
  readonly user: string
  /** The provision id: it alone fetches security strings for the user. */
  readonly id: string
  /** The current batch, 100 fields where field n is index n's string; empty before a download. */
  readonly strings: readonly string[]
  /** Indexes of the current batch already shown as codes. */
  readonly used: readonly number[]
  readonly downloadedAt: string | null
}

export function loadState(file: string): MobileState {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MobileError(`no mobile state in ${file}; run "agentxml mobile provision" first`)
    }
    throw err
  }
  let state: unknown
  try {
    state = JSON.parse(text)
  } catch {
    state = undefined
  }
  if (!isState(state)) throw new MobileError(`${file} is not a mobile state file`)
  return state
}

function isState(value: unknown): value is MobileState {
  if (typeof value !== 'object' || value === null) return false
  const s = value as Record<string, unknown>
  return (
    s.version === 1 &&
    typeof s.server === 'string' &&
    typeof s.user === 'string' &&
    typeof s.id === 'string' &&
    Array.isArray(s.strings) &&
    s.strings.every((x) => typeof x === 'string') &&
    Array.isArray(s.used) &&
    s.used.every((x) => Number.isInteger(x))
  )
}

/** Replace the state file in one step: a temporary file (0600, synced), then a rename. */
export function saveState(file: string, state: MobileState): void {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`
  const fd = openSync(temporary, 'wx', 0o600)
  try {
    writeSync(fd, `${JSON.stringify(state, null, 2)}\n`)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  try {
    renameSync(temporary, file)
  } catch (err) {
    rmSync(temporary, { force: true })
    throw err
  }
}

/** The index to show next: one past the highest used, like the real apps; undefined when a new batch is needed. */
export function nextIndex(state: MobileState): number | undefined {
  if (state.strings.length !== lastIndex + 1) return undefined
  const next = Math.max(firstIndex - 1, ...state.used) + 1
  return next <= lastIndex ? next : undefined
}

export const remaining = (state: MobileState) => {
  const next = nextIndex(state)
  return next === undefined ? 0 : lastIndex - next + 1
}
