import type { Services } from '../domain/services.js'
import { AdminOperationError } from '../protocol/admin-errors.js'
import type { AdminOperationName, AdminUser } from '../protocol/admin-types.js'
import type { ReplyElement } from '../protocol/types.js'

/** One AdminXML operation on one `<User>`: every module here exports one of these. */
export interface AdminOperation {
  readonly name: AdminOperationName
  /** The elements a PASS adds; a failure throws (see `dispatch.ts` for how errors map to codes). */
  run(services: Services, user: AdminUser): Promise<readonly ReplyElement[]>
}

export function assertName(user: AdminUser): string {
  if (!user.name) throw new AdminOperationError('AGENT_ERROR_INVALID_VALUE', 'User has no name attribute')
  return user.name
}

/**
 * Where `<Destination>` goes: an email transport sends to an address, sms to a phone number;
 * for the outbox it is stored as an address when it has an @, else as a phone number.
 */
export function destinationFields(transport: string, destination: string | undefined): { email?: string; phone?: string } {
  if (destination === undefined) return {}
  if (transport === 'email') return { email: destination }
  if (transport === 'sms') return { phone: destination }
  return destination.includes('@') ? { email: destination } : { phone: destination }
}
