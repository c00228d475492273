import { type DestinationStream, type Logger, pino } from 'pino'
import type { LogFormat } from '../config.js'
import { pinsafeStream } from './pinsafe.js'

/** Field names that must never reach a log line; censored if a call site ever passes one. */
export const redactedFields = ['secret', 'code', 'provisionCode', 'pin', 'otc', 'password', 'provisionId', 'strings', 'body']
const nested = ['*.secret', '*.provisionCode', '*.pin', '*.otc', '*.password', '*.provisionId']

export interface LoggerOptions {
  readonly format: LogFormat
  readonly level: string
  /** Where lines go; standard output when not given. */
  readonly destination?: DestinationStream
  /** The server's own address, for the PINsafe line format. */
  readonly serverAddress?: string
}

/** pino, one JSON object a line with the legacy text in `msg`, or PINsafe syslog lines (spec §8.1). */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true })
  const stream = options.format === 'pinsafe' ? pinsafeStream(destination, options.serverAddress ?? '127.0.0.1') : destination
  return pino(
    {
      level: options.level,
      base: undefined,
      redact: { paths: [...redactedFields, ...nested], censor: '[redacted]' },
    },
    stream,
  )
}
