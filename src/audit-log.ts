import { auditWriter, purgeAudit } from './domain/audit.js'
import type { Services } from './domain/services.js'
import type { AuditRelay } from './logging/audit.js'

export const purgeEveryMs = 24 * 60 * 60_000

export interface AuditLog {
  /** Finish the writes in flight and stop; call before the database closes. */
  stop(): Promise<void>
}

/**
 * Start writing event records to the audit table. With `purge`, entries past the retention
 * period are removed now and once a day (the server does this; one-off commands do not).
 */
export function startAuditLog(services: Services, relay: AuditRelay, options: { purge: boolean }): AuditLog {
  relay.attach(auditWriter(services))
  let timer: NodeJS.Timeout | undefined
  if (options.purge) {
    const purge = () => void purgeAudit(services).catch((err: unknown) => services.log.error({ err }, 'audit log purge failed'))
    purge()
    timer = setInterval(purge, purgeEveryMs)
    timer.unref()
  }
  return {
    async stop() {
      clearInterval(timer)
      await relay.drain()
      relay.close()
    },
  }
}
