import { unlockUserAccount } from '../domain/user-admin.js'
import { type AdminOperation, assertName } from './operation.js'

export const unlock: AdminOperation = {
  name: 'Unlock',
  async run(services, user) {
    await unlockUserAccount(services, assertName(user))
    return []
  },
}
