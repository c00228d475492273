import { addAgent, authenticateAgent } from '../../src/domain/agents.js'
import { hashProvisionCode } from '../../src/domain/provision-code.js'
import type { Services } from '../../src/domain/services.js'
import { addUser, requireUser, type UserInput } from '../../src/domain/users.js'
import { replaceProvisionCode } from '../../src/db/repositories/provision-codes.js'

export const agentSecret = 'agent-secret-123'

export async function seedUser(services: Services, input: Partial<UserInput> & { name: string }) {
  await addUser(services, { email: `${input.name}@example.com`, transport: 'outbox', ...input })
  return requireUser(services, input.name)
}

export async function seedAgent(services: Services, networks: string[] = ['127.0.0.1/32']) {
  await addAgent(services, { name: 'test-agent', secret: agentSecret, networks })
}

/** Give a user a known pending code (fixtures carry literal codes), valid for `seconds`. */
export async function seedCode(services: Services, name: string, code: string, seconds = 600) {
  const user = await requireUser(services, name)
  const now = services.now()
  await replaceProvisionCode(services.db, {
    user_id: user.id,
    code_hash: hashProvisionCode(services, code),
    created_at: now,
    expires_at: now + seconds * 1000,
  })
}

/** The agent a request with `secret` from `address` would be taken for, by the settings now. */
export async function agentFor(services: Services, secret: string | undefined, address: string) {
  return authenticateAgent(services.keys, await services.store.settings(), { secret, address })
}
