import { reprovisionUser } from '../domain/user-admin.js'
import { type AdminOperation, assertName } from './operation.js'

/** The admin's Reprovision button (docs/protocol.md §5): the code goes to the user's transport, never into the reply. */
export const reprovision: AdminOperation = {
  name: 'Reprovision',
  async run(services, user) {
    await reprovisionUser(services, assertName(user))
    return []
  },
}
