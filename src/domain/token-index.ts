import { findDeviceByUser } from '../db/repositories/devices.js'
import { findBatchByDevice, highestUsedIndex } from '../db/repositories/string-batches.js'
import { findUserByName } from '../db/repositories/users.js'
import { messages } from '../protocol/messages.js'
import type { Services } from './services.js'

/**
 * The index a client should use next (spec §7): one more than the highest used index of the
 * current batch, 1 when none is used, 0 for an unknown user or one without a batch.
 */
export async function tokenIndex(services: Services, userName: string): Promise<number> {
  const { db, log } = services
  log.info({ user: userName, event: 'tokenIndex' }, messages.tokenIndex(userName))
  const user = await findUserByName(db, userName)
  const device = user && (await findDeviceByUser(db, user.id))
  const batch = device && (await findBatchByDevice(db, device.id))
  if (!batch) return 0
  return ((await highestUsedIndex(db, batch.id)) ?? 0) + 1
}
