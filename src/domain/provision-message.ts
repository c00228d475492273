import type { OutgoingMessage } from '../transports/queue.js'

export interface ProvisionMessageInput {
  readonly user: string
  readonly code: string
  /** Seconds. */
  readonly validity: number
}

export function provisionMessage({ user, code, validity }: ProvisionMessageInput): OutgoingMessage {
  return {
    subject: 'Your mobile provision code',
    body:
      `Your mobile provision code for user ${user} is ${code}\n` +
      `Enter it in the mobile app within ${describeDuration(validity)}. It works once.`,
  }
}

export function describeDuration(seconds: number): string {
  const units: [number, string][] = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ]
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) return plural(seconds / size, name)
  }
  return plural(seconds, 'second')
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`
