import { createUser } from '../domain/user-admin.js'
import { type AdminOperation, assertName, destinationFields } from './operation.js'

export const create: AdminOperation = {
  name: 'Create',
  async run(services, user) {
    const transport = user.transport ?? 'outbox'
    await createUser(services, { name: assertName(user), pin: user.pin, transport, ...destinationFields(transport, user.destination) })
    return []
  },
}
