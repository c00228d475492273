import type { DestinationStream } from 'pino'
import { oneLine } from './one-line.js'

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const levels: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }

export interface PinsafeRecord {
  time?: number
  level?: number
  msg?: string
  ip?: string
  agent?: string
  reqId?: string | number
  err?: { message?: string }
}

/** The syslog timestamp, in the server's local time: `Nov 28 17:27:13`, day padded with a space. */
export function syslogTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  const day = String(date.getDate()).padStart(2, ' ')
  return `${months[date.getMonth()]} ${day} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
}

/**
 * One record in the shape existing PINsafe SIEM parsers read (docs/protocol.md §8.1):
 * `<time> <server ip> PINsafe[<thread>]: <LEVEL> From the IP Address <ip> Agent Name <agent> - <message>`.
 */
export function formatPinsafe(record: PinsafeRecord, serverAddress: string): string {
  // fastify's request ids are `req-N`: the thread becomes `http-N`, as PINsafe's connector threads
  const thread = record.reqId === undefined ? 'main' : `http-${String(record.reqId).replace(/^req-/, '')}`
  let line = `${syslogTime(new Date(record.time ?? Date.now()))} ${serverAddress} PINsafe[${thread}]: ${levels[record.level ?? 30] ?? 'INFO'}`
  // a user name, an address or a reason cannot start a forged line of its own
  if (record.ip) line += ` From the IP Address ${oneLine(record.ip)}`
  if (record.agent) line += ` Agent Name ${oneLine(record.agent)}`
  let message = record.msg ?? ''
  if (record.err?.message) message += `: ${record.err.message}`
  return `${line} - ${oneLine(message)}\n`
}

export function pinsafeStream(destination: DestinationStream, serverAddress: string): DestinationStream {
  return {
    write(line: string) {
      destination.write(formatPinsafe(JSON.parse(line) as PinsafeRecord, serverAddress))
    },
  }
}
