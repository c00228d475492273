import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Console password checks (scrypt, 32 MiB, 100-400 ms each) of this process. Two run at once, so
 * that a burst of sign-ins cannot hold every thread of libuv's pool, which DNS look-ups and file
 * writes (message delivery) need too; more wait their turn, a few and briefly, instead of being
 * refused (issue #25, item 8). Only names that exist are checked here: a name no administrator
 * has waits as long as a check takes, without taking a turn, so that a flood of made-up names
 * from many addresses cannot keep the administrators out. Timing stays uniform while the checks
 * are not queued; a queue forms only under tries on names that exist, 5 per name in 15 minutes.
 */
export const passwordCheckLimits = { running: 2, waiting: 32, waitMs: 10_000 } as const

/** How often a made-up name's wait is measured again on a real (decoy) check. */
const sampleEveryMs = 60_000

let running = 0
const waiting: (() => void)[] = []
/** How long checks take here, lately (a moving average), and when it was last measured. */
let typicalMs: number | undefined
let sampledAt = 0
let sampling: Promise<unknown> | undefined

/** Checks run, and made-up names answered by waiting, since the start: for tests. */
export const passwordCheckCounts = { checked: 0, waited: 0 }

function measured(ms: number): void {
  typicalMs = typicalMs === undefined ? ms : 0.8 * typicalMs + 0.2 * ms
  sampledAt = Date.now()
}

function turn(): Promise<boolean> | boolean {
  if (running < passwordCheckLimits.running) {
    running++
    return true
  }
  if (waiting.length >= passwordCheckLimits.waiting) return false
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer)
      resolve(true) // the turn passes from the check that ended: running stays the same
    }
    const timer = setTimeout(() => {
      waiting.splice(waiting.indexOf(wake), 1)
      resolve(false)
    }, passwordCheckLimits.waitMs)
    waiting.push(wake)
  })
}

function done(): void {
  const next = waiting.shift()
  if (next) next()
  else running--
}

/** Run one password check when a turn is free; undefined when none came in time (or too many wait). */
export async function checkInTurn(check: () => Promise<boolean>): Promise<boolean | undefined> {
  if (!(await turn())) return undefined
  const started = performance.now()
  try {
    return await check()
  } finally {
    measured(performance.now() - started)
    passwordCheckCounts.checked++
    done()
  }
}

/**
 * For a name no administrator has: as long as a check, without taking a turn. A real check
 * (against a decoy, `check`) measures that time when there is no recent figure, one at a time.
 */
export async function waitAsChecking(check: () => Promise<boolean>): Promise<void> {
  if (sampling === undefined && (typicalMs === undefined || Date.now() - sampledAt > sampleEveryMs)) {
    sampling = checkInTurn(check).finally(() => (sampling = undefined))
    await sampling
    return
  }
  if (typicalMs === undefined) await sampling
  passwordCheckCounts.waited++
  await sleep(typicalMs ?? 0)
}
