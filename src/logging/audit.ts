/** A log record as pino wrote it, parsed. */
export type AuditRecord = Readonly<Record<string, unknown>>

/** Stores one record in the audit log; see `domain/audit.ts`. */
export type AuditWriter = (record: AuditRecord) => Promise<void>

/**
 * Carries every log record that has an `event` field to the audit log. The logger exists before
 * the database is open, so records wait (up to a limit) until a writer is attached. A write that
 * fails is reported and forgotten: it never fails the request and never costs the log line.
 */
export interface AuditRelay {
  record(record: AuditRecord): void
  attach(writer: AuditWriter): void
  /** Wait for the writes in flight (before the database closes). */
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
  const waiting: AuditRecord[] = []
  const pending = new Set<Promise<void>>()

  const write = (record: AuditRecord) => {
    if (!writer) return
    const done = writer(record)
      .catch((err: unknown) => report(err))
      .finally(() => pending.delete(done))
    pending.add(done)
  }
  return {
    record(record) {
      if (closed) return
      if (writer) write(record)
      else if (waiting.length < maxWaiting) waiting.push(record)
      else report(new Error('audit log not open yet; record dropped'))
    },
    attach(next) {
      writer = next
      for (const record of waiting.splice(0)) write(record)
    },
    async drain() {
      while (pending.size > 0) await Promise.allSettled([...pending])
    },
    close() {
      closed = true
      writer = undefined
      waiting.length = 0
    },
    onError(next) {
      report = next
    },
  }
}
