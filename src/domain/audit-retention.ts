import type { Db } from '../db/index.js'
import { writePolicy } from '../db/repositories/policies.js'
import { PolicyError } from './policy.js'
import type { Services } from './services.js'

/**
 * How many days the audit log keeps. Stored beside the policies, but not one of the mobile
 * client policies of docs/protocol.md §9: it never reaches a client.
 */
export const auditRetention = {
  key: 'audit-retention-days',
  label: 'Keep log entries for (days)',
  default: 90,
  min: 1,
  max: 3650,
} as const

export async function readAuditRetentionDays(services: Pick<Services, 'store'>): Promise<number> {
  const stored = (await services.store.settings()).policies.get(auditRetention.key)
  return stored === undefined ? auditRetention.default : (parseRetention(stored) ?? auditRetention.default)
}

function parseRetention(text: string): number | undefined {
  if (!/^\d{1,9}$/.test(text)) return undefined
  const days = Number(text)
  return days >= auditRetention.min && days <= auditRetention.max ? days : undefined
}

/** Throws PolicyError with a clear message for a value out of range; nothing is stored then. */
export function checkAuditRetention(value: string): number {
  const days = parseRetention(value.trim())
  if (days === undefined) {
    throw new PolicyError(`${auditRetention.label} must be ${auditRetention.min}-${auditRetention.max}, not "${value}"`)
  }
  return days
}

export async function setAuditRetentionDays(db: Db, value: string): Promise<void> {
  await writePolicy(db, auditRetention.key, String(checkAuditRetention(value)))
}
