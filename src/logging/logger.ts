import { type ChildLoggerOptions, type DestinationStream, type Logger, pino } from 'pino'
import type { LogFormat } from '../config.js'
import type { AuditRelay } from './audit.js'
import { oneJsonLine } from './one-line.js'
import { perTurn } from './per-turn.js'
import { pinsafeStream } from './pinsafe.js'
import { redact } from './redact.js'

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
  const logger = pino({ level: options.level, base: undefined, formatters: { log: redact } }, stream)
  return censorChildren(logger)
}

/**
 * Secrets censored in a child's fields too (redact.ts): pino passes only the root's own fields
 * through a formatter, so `child` is wrapped once on the root, which every child inherits.
 */
function censorChildren(logger: Logger): Logger {
  type Child = (this: Logger, bindings: Record<string, unknown>, options?: ChildLoggerOptions) => Logger
  const child = logger.child as unknown as Child
  const censored: Child = function (bindings, options) {
    return child.call(this, redact(bindings), options)
  }
  logger.child = censored as unknown as Logger['child']
  return logger
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
      // a login's line: its row was committed with the decision (audit.ts drops such records), so it is not parsed for nothing
      if (!line.includes('"event":') || line.includes('"audited":true')) return
      try {
        const record = JSON.parse(line) as Record<string, unknown>
        if (typeof record.event === 'string') audit.record(record)
      } catch (err) {
        failed(err)
      }
    },
  }
}
