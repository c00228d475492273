import { Worker } from 'node:worker_threads'

/**
 * How often the worker checkpoints: sooner as the WAL grows (its size since it last restarted,
 * against `targetPages`), but not more often than every `minMs` nor less often than every
 * `maxMs`; and the WAL size (pages) at which a commit does it itself (SQLite's automatic
 * checkpoint). Counting only the pages since the last checkpoint was tried (2026-12-07): fewer
 * checkpoints, a larger remainder for that commit, no better p99.
 */
export const checkpoints = { minMs: 50, maxMs: 250, targetPages: 1_000, fallbackPages: 4_000 } as const

// The worker's own connection. A PASSIVE checkpoint copies what it can of the WAL into the
// database file and syncs it, waiting for no lock, so the server's writer never waits for it.
// A read-ahead reads, in a read transaction of its own, every page the retention purge's next
// statement will change: the rows (time index, table, overflow pages), and for each user,
// event, actor and source among them the run of that value's oldest entries in its index.
const worker = `
const { parentPort, workerData } = require('node:worker_threads')
const SQLite = require(workerData.driver)
const { minMs, maxMs, targetPages } = workerData.checkpoints
const db = new SQLite(workerData.file, { fileMustExist: true })
db.pragma('busy_timeout = 0')
db.pragma('synchronous = NORMAL')
// what a read-ahead reads is for the operating system's cache, not this connection's: a small
// one keeps the server's resident memory down
db.pragma('cache_size = -2000')
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)')
let every = minMs
let timer
const tick = () => {
  let pages = targetPages
  try { pages = checkpoint.get().log } catch {}
  // the next one when about targetPages more have come, at the rate these came at
  every = Math.min(maxMs, Math.max(minMs, Math.round((every * targetPages) / Math.max(pages, 1))))
  timer = setTimeout(tick, every)
}
timer = setTimeout(tick, minMs)

let readAhead
const prepareReadAhead = () => {
  const oldest = db.prepare('SELECT id, time, user_name, event, actor, source, length(message), length(detail) FROM audit_log WHERE time < ? ORDER BY time LIMIT ?')
  const runs = Object.fromEntries([['user_name', 'audit_log_user'], ['event', 'audit_log_event'], ['actor', 'audit_log_actor'], ['source', 'audit_log_source']].map(
    ([column, index]) => [column, db.prepare('SELECT count(*) FROM audit_log INDEXED BY ' + index + ' WHERE ' + column + ' IS ? AND time <= ?').pluck()],
  ))
  return db.transaction((before, limit) => {
    const rows = oldest.all(before, limit)
    for (const [column, run] of Object.entries(runs)) {
      const latest = new Map()
      for (const row of rows) latest.set(row[column], row.time)
      for (const [value, time] of latest) run.get(value, time)
    }
  })
}

parentPort.on('message', (message) => {
  if (message.readAhead) {
    let error
    try {
      readAhead ??= prepareReadAhead()
      readAhead(...message.readAhead)
    } catch (err) {
      error = String(err.message)
    }
    parentPort.postMessage({ read: true, error })
    return
  }
  clearTimeout(timer)
  try { checkpoint.run() } catch {}
  db.close()
  parentPort.postMessage('closed')
})
`

export interface Background {
  /**
   * Read into the operating system's cache the pages that deleting the `limit` oldest audit
   * entries before `time` will change, so that the delete, on the server's one connection, does
   * not wait for the disk. Resolves when they are read, or could not be (it is only a help; the
   * first failure goes to `onError`).
   */
  readAhead(time: number, limit: number): Promise<void>
  stop(): Promise<void>
}

/**
 * The server's second SQLite connection, in a worker thread. WAL checkpoints: left to SQLite,
 * the commit that crosses 1 000 pages of WAL copies them into the database file and syncs it,
 * and every request of that turn waits; the worker does the copy and the sync beside the
 * requests, on the other core. The WAL restarts only when a write begins with every frame
 * copied, which a checkpoint running beside a steady stream of writes seldom leaves: under load
 * the WAL still reaches `fallbackPages` (2026-12-07, RADIUS logins at about 4 000 a second:
 * every 1.6 s), and that commit copies only what the worker has not yet (a few hundred pages),
 * syncs, and restarts the WAL: three syncs on the server's thread, a few milliseconds, instead
 * of the whole WAL's copy. `fallbackPages` is kept small for a worker that falls behind (a slow
 * disk): that commit then copies all that is left, and a larger value would make its stall
 * longer. Checkpointing by pages rather than by the clock keeps WAL restarts few when the load
 * is light: the first commit after a complete checkpoint syncs the WAL's new header, on the
 * server's thread, and on a busy disk one sync can take a tenth of a second.
 */
export function startBackground(file: string, driver: string, onError: (err: unknown) => void): Background {
  const thread = new Worker(worker, { eval: true, workerData: { file, driver, checkpoints } })
  thread.unref()
  thread.on('error', onError)
  let exited = false
  const reads: (() => void)[] = []
  thread.once('exit', () => {
    exited = true
    for (const resolve of reads.splice(0)) resolve()
  })
  let failed = false
  thread.on('message', (message: { read?: boolean; error?: string }) => {
    if (!message.read) return
    // reported once: the purge goes on without it, only slower
    if (message.error && !failed) onError(new Error(`reading ahead of the audit purge failed: ${message.error}`))
    failed ||= message.error !== undefined
    reads.shift()?.()
  })
  return {
    readAhead: (time, limit) =>
      exited
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            reads.push(resolve)
            thread.postMessage({ readAhead: [time, limit] })
          }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited || thread.threadId === -1) return resolve()
        thread.on('message', (message) => message === 'closed' && void thread.terminate().then(() => resolve()))
        thread.once('exit', () => resolve())
        thread.postMessage('stop')
      }),
  }
}
