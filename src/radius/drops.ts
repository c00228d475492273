import type { Logger } from 'pino'
import type { Metrics } from '../metrics.js'

/**
 * Warnings a peer can cause, at most one a minute for each key so that a flood of junk cannot
 * flood the log; the next line says how many went unlogged.
 */
export function limitedWarnings(log: Logger, windowMs = 60_000, now: () => number = Date.now) {
  const last = new Map<string, { until: number; unlogged: number }>()
  return (key: string, fields: Record<string, unknown>, message: string) => {
    const time = now()
    const seen = last.get(key)
    if (seen && seen.until > time) {
      seen.unlogged++
      return
    }
    if (last.size > 10_000) last.clear()
    last.set(key, { until: time + windowMs, unlogged: 0 })
    const more = seen?.unlogged ? ` (and ${seen.unlogged} more like it unlogged in the last minute)` : ''
    log.warn(fields, `${message}${more}`)
  }
}

/**
 * A dropped packet gets no reply (RFC 2865 §3: silently discarded), a metric, and a log line,
 * at most one a minute for each source and reason. Lines say why, never what the packet held.
 */
export function dropReporter(log: Logger, metrics: Metrics | undefined, windowMs = 60_000, now: () => number = Date.now) {
  const warn = limitedWarnings(log, windowMs, now)
  /** `reason` is one of a few fixed texts (the metric's label); `detail` may say more in the line. */
  return (source: string, nas: string | undefined, reason: string, detail?: string) => {
    metrics?.radiusDropped(reason)
    warn(`${source}|${reason}`, { ip: source, nas, reason }, `RADIUS: packet from ${source} dropped: ${detail ?? reason}`)
  }
}
