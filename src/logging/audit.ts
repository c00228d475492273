import { createFloodGate } from './audit-flood.js'

/** A log record as pino wrote it, parsed. */
export type AuditRecord = Readonly<Record<string, unknown>>

/** Stores records in the audit log, in one statement; see `domain/audit.ts`. */
export type AuditWriter = (records: readonly AuditRecord[]) => Promise<void>

/**
 * Carries every log record that has an `event` field to the audit log. Records are written in
 * batches, once per turn of the event loop: one insert for all the requests of that turn costs
 * a fraction of one insert each. The logger exists before the database is open, so records wait
 * (up to a limit) until a writer is attached. A write that fails is reported and forgotten: it
 * never fails the request and never costs the log line, which was written first. Records anybody
 * can cause unauthenticated are stored once a minute per event and source, the rest as a count
 * (audit-flood.ts): the log line of each is still written.
 */
export interface AuditRelay {
  record(record: AuditRecord): void
  attach(writer: AuditWriter): void
  /** Write what is waiting now, and wait for every write in flight (before reading or closing). */
  drain(): Promise<void>
  /** Stop writing: records after this are not stored. */
  close(): void
  /** Where write failures are reported; the logger sets this. */
  onError(report: (err: unknown) => void): void
}

const maxWaiting = 1000

export function createAuditRelay(): AuditRelay {
  let writer: AuditWriter | undefined
  let closed = false
  let report: (err: unknown) => void = () => {}
  let waiting: AuditRecord[] = []
  let scheduled: NodeJS.Immediate | undefined
  const flood = createFloodGate()
  let counting: NodeJS.Timeout | undefined

  // one write at a time, so rows are stored (and numbered) in the order they were logged; what
  // arrives meanwhile waits and goes in the next batch
  let writing: Promise<void> | undefined
  const flush = (drain = false) => {
    clearImmediate(scheduled)
    scheduled = undefined
    waiting.push(...flood.summaries(Date.now(), drain))
    if (!writer || waiting.length === 0 || writing) return
    const batch = waiting
    waiting = []
    const done = writer(batch)
      .catch((err: unknown) => report(err))
      .finally(() => {
        writing = undefined
        if (waiting.length > 0 && writer) flush()
      })
    writing = done
  }
  return {
    record(record) {
      // a record whose row was committed with what it records (a login's decision) is stored already
      if (closed || record.audited === true) return
      if (waiting.length >= maxWaiting && !writer) return report(new Error('audit log not open yet; record dropped'))
      if (!flood.admit(record, typeof record.time === 'number' ? record.time : Date.now())) {
        // the count is written when its minute ends, even if nothing else is logged by then
        const until = flood.pendingUntil()
        if (until !== undefined && !counting) {
          counting = setTimeout(() => {
            counting = undefined
            flush()
          }, Math.max(0, until - Date.now()) + 100).unref()
        }
        return
      }
      waiting.push(record)
      if (writer) scheduled ??= setImmediate(flush)
    },
    attach(next) {
      writer = next
      flush()
    },
    async drain() {
      flush(true)
      while (writing) {
        await writing
        flush(true)
      }
    },
    close() {
      closed = true
      clearImmediate(scheduled)
      clearTimeout(counting)
      writer = undefined
      waiting = []
    },
    onError(next) {
      report = next
    },
  }
}
