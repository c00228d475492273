import { Worker } from 'node:worker_threads'

/** How often the worker checkpoints, and the WAL size (pages) at which a commit does it itself. */
export const checkpoints = { everyMs: 50, fallbackPages: 4_000 } as const

// The worker's own connection: a PASSIVE checkpoint copies what it can of the WAL into the
// database file and syncs it, waiting for no lock, so the server's writer never waits for it.
const worker = `
const { parentPort, workerData } = require('node:worker_threads')
const SQLite = require(workerData.driver)
const db = new SQLite(workerData.file, { fileMustExist: true })
db.pragma('busy_timeout = 0')
db.pragma('synchronous = NORMAL')
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)')
const timer = setInterval(() => {
  try { checkpoint.run() } catch {}
}, workerData.everyMs)
parentPort.once('message', () => {
  clearInterval(timer)
  try { checkpoint.run() } catch {}
  db.close()
  parentPort.postMessage('closed')
})
`

export interface Checkpointer {
  stop(): Promise<void>
}

/**
 * WAL checkpoints off the event loop, for the server. Left to SQLite, the commit that crosses
 * 1 000 pages of WAL copies them into the database file and syncs it, and every request of that
 * turn waits; a worker thread that checkpoints every `everyMs` does the copy and the sync beside
 * the requests, on the other core, and the WAL seldom reaches that size. SQLite's own automatic
 * checkpoint stays as it is (`fallbackPages`), for when the worker falls behind: a larger one
 * would make each of those stalls longer.
 */
export function startCheckpointer(file: string, driver: string, onError: (err: unknown) => void): Checkpointer {
  const thread = new Worker(worker, { eval: true, workerData: { file, driver, everyMs: checkpoints.everyMs } })
  thread.unref()
  thread.on('error', onError)
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (thread.threadId === -1) return resolve()
        thread.once('message', () => void thread.terminate().then(() => resolve()))
        thread.once('exit', () => resolve())
        thread.postMessage('stop')
      }),
  }
}
