import type { DestinationStream } from 'pino'
import { oneLine } from './one-line.js'

/** For the command line: just the message of each record, warnings and errors on stderr. */
export function plainStream(out: NodeJS.WritableStream, err: NodeJS.WritableStream): DestinationStream {
  return {
    write(line: string) {
      const record = JSON.parse(line) as { level: number; msg?: string }
      ;(record.level >= 40 ? err : out).write(`${oneLine(record.msg ?? '')}\n`)
    },
  }
}
