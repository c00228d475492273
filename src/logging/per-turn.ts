import type { DestinationStream } from 'pino'

/** Streams with lines waiting; written out before the process exits, whatever the reason. */
const waiting = new Set<() => void>()
let hooked = false
let exiting = false

/**
 * `destination`, written once per turn of the event loop: the lines of all the requests of a
 * turn go out in one write, where one system call for each line was a measurable part of a
 * login's cost. A line waits at most until the turn's I/O is done; what is waiting when the
 * process exits (a stop, a fatal error, `process.exit`) is written then, synchronously. Only a
 * `kill -9` inside that turn loses it, as it loses the turn's audit rows, which are written in
 * the next turn's transaction (logging/audit.ts).
 */
export function perTurn(destination: DestinationStream, maxWaiting = 64 * 1024): DestinationStream {
  let text = ''
  let scheduled: NodeJS.Immediate | undefined
  const flush = () => {
    clearImmediate(scheduled)
    scheduled = undefined
    waiting.delete(flush)
    const out = text
    text = ''
    if (out !== '') destination.write(out)
  }
  if (!hooked) {
    hooked = true
    process.on('exit', () => {
      exiting = true
      for (const write of [...waiting]) write()
    })
  }
  return {
    write(line: string) {
      // a line logged while the process exits has no later turn to wait for
      if (exiting) return void destination.write(line)
      text += line
      if (text.length >= maxWaiting) return flush()
      if (scheduled) return
      scheduled = setImmediate(flush)
      waiting.add(flush)
    },
  }
}
