import { type DestinationStream, type Logger, pino } from 'pino'
import type { LogFormat } from '../config.js'
import type { AuditRelay } from './audit.js'
import { oneJsonLine } from './one-line.js'
import { perTurn } from './per-turn.js'
import { pinsafeStream } from './pinsafe.js'

/** Field names that must never reach a log line; censored if a call site ever passes one. */
export const redactedFields = ['secret', 'code', 'provisionCode', 'pin', 'otc', 'password', 'provisionId', 'strings', 'body']
const nested = ['*.secret', '*.provisionCode', '*.pin', '*.otc', '*.password', '*.provisionId']

export interface LoggerOptions {
  readonly format: LogFormat
  readonly level: string
  /** Where lines go, as each is logged; standard output, once per event-loop turn (per-turn.ts), when not given. */
  readonly destination?: DestinationStream
  /** The server's own address, for the PINsafe line format. */
  readonly serverAddress?: string
  /** Records with an `event` field also go here, to the audit log. */
  readonly audit?: AuditRelay
}

/** pino, one JSON object a line with the legacy text in `msg`, or PINsafe syslog lines (docs/protocol.md §8.1). */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? perTurn(pino.destination({ dest: 1, sync: true }))
  const formatted = options.format === 'pinsafe' ? pinsafeStream(destination, options.serverAddress ?? '127.0.0.1') : jsonStream(destination)
  const stream = options.audit ? auditTee(formatted, options.audit) : formatted
  return pino(
    {
      level: options.level,
      base: undefined,
      redact: { paths: [...redactedFields, ...nested], censor: '[redacted]' },
    },
    stream,
  )
}

/** JSON lines that no value can split: JSON.stringify leaves U+2028, U+2029, NEL and bidi controls raw. */
function jsonStream(destination: DestinationStream): DestinationStream {
  return { write: (line: string) => destination.write(oneJsonLine(line)) }
}

/** Every line to `stream` first, then records that carry an `event` to the audit relay. */
function auditTee(stream: DestinationStream, audit: AuditRelay): DestinationStream {
  const failed = (err: unknown) => {
    const reason = err instanceof Error ? err.message : String(err)
    // no `event` field: a failure to audit is never itself audited
    stream.write(`${JSON.stringify({ level: 50, time: Date.now(), msg: `audit log write failed: ${reason}` })}\n`)
  }
  audit.onError(failed)
  return {
    write(line: string) {
      stream.write(line)
      if (!line.includes('"event":')) return
      try {
        const record = JSON.parse(line) as Record<string, unknown>
        if (typeof record.event === 'string') audit.record(record)
      } catch (err) {
        failed(err)
      }
    },
  }
}
