import type { AdminOperationName } from '../protocol/admin-types.js'
import { create } from './create.js'
import { deleteOperation } from './delete.js'
import type { AdminOperation } from './operation.js'
import { read } from './read.js'
import { reprovision } from './reprovision.js'
import { resetPin } from './reset-pin.js'
import { unlock } from './unlock.js'
import { update } from './update.js'

/** Every AdminXML operation by its element name. */
export const adminOperations: ReadonlyMap<AdminOperationName, AdminOperation> = new Map(
  [create, read, update, deleteOperation, reprovision, unlock, resetPin].map((operation) => [operation.name, operation]),
)
