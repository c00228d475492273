import { removeUser } from '../domain/user-admin.js'
import { type AdminOperation, assertName } from './operation.js'

export const deleteOperation: AdminOperation = {
  name: 'Delete',
  async run(services, user) {
    await removeUser(services, assertName(user))
    return []
  },
}
