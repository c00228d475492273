import { updateUserDetails } from '../domain/user-admin.js'
import { requireUser } from '../domain/users.js'
import { type AdminOperation, assertName, destinationFields } from './operation.js'

/** Changes the PIN, transport or destination given; what is not given stays as it is. */
export const update: AdminOperation = {
  name: 'Update',
  async run(services, user) {
    const current = await requireUser(services, assertName(user))
    const transport = user.transport ?? current.transport
    await updateUserDetails(services, current.name, {
      pin: user.pin,
      transport: user.transport,
      ...destinationFields(transport, user.destination),
    })
    return []
  },
}
