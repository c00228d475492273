import { updateUser } from '../../src/db/repositories/users.js'
import { addAgent } from '../../src/domain/agents.js'
import type { Services } from '../../src/domain/services.js'
import { hashProvisionId } from '../../src/domain/security-strings.js'
import { addUser } from '../../src/domain/users.js'
import { insertDevice } from './db-seed.js'
import { seedCode, seedUser } from './seed.js'

export const adminAgentSecret = 'admin-agent-secret'
export const plainAgentSecret = 'plain-agent-secret'

/**
 * The world every AdminXML fixture runs against (on the fixed test clock):
 * - agent "portal" (admin agent) and agent "vpn" (not an admin agent), both from loopback;
 * - alice: outbox to alice@example.com, PIN 2468, an iOS device, a pending code (12:10 UTC);
 * - carol: locked after 5 failed logins;
 * - dave: the email transport but no address (made past the add rules, which refuse it now, as a
 *   database from before them may hold);
 * - frank: outbox to frank@example.com, without the mobile right (a directory user outside the mobile group).
 */
export async function seedAdminWorld(services: Services): Promise<void> {
  await addAgent(services, { name: 'portal', secret: adminAgentSecret, admin: true })
  await addAgent(services, { name: 'vpn', secret: plainAgentSecret })
  const alice = await seedUser(services, { name: 'alice', pin: '2468' })
  await insertDevice(services, alice.id, hashProvisionId(services, '0123456789abcdef0123456789abcdef'), 'iOS 17.5')
  await seedCode(services, 'alice', 'K7QF2M9XWD')
  const carol = await seedUser(services, { name: 'carol' })
  await updateUser(services.db, carol.id, { failed_logins: 5, locked_at: services.now() })
  await addUser(services, { name: 'dave', transport: 'email' })
  const frank = await seedUser(services, { name: 'frank' })
  await updateUser(services.db, frank.id, { mobile: 0 })
}
