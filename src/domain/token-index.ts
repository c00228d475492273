import { messages } from '../protocol/messages.js'
import type { Services } from './services.js'
import { nameKey } from './user-names.js'

/**
 * The index a client should use next (docs/protocol.md §7): one more than the highest used index of the
 * current batch, 1 when none is used, 0 for an unknown user or one without a batch.
 */
export async function tokenIndex(services: Services, userName: string): Promise<number> {
  services.log.info({ user: userName, event: 'tokenIndex' }, messages.tokenIndex(userName))
  const batch = await services.store.tokenIndex(nameKey(userName))
  if (!batch) return 0
  return (batch.highest ?? 0) + 1
}
