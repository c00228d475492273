import t from 'tap'
import { findProvisionCode } from '../src/db/repositories/provision-codes.js'
import { defaultTemplate } from '../src/domain/provision-message.js'
import { requireUser } from '../src/domain/users.js'
import { adminAgentSecret, seedAdminWorld } from './helpers/admin-seed.js'
import { build, post } from './helpers/build.js'
import { seedUser } from './helpers/seed.js'

t.test('AdminXML Reprovision of a user whose transport this server cannot send with: AGENT_ERROR_NO_DESTINATION', async (t) => {
  // a server with no SMTP server and no SMS gateway: only the outbox can send
  const { app, services, logs } = await build(t, { extra: { delivery: () => ({ template: defaultTemplate, site: 'test', transports: new Set(['outbox']) }) } })
  await seedAdminWorld(services)
  await seedUser(services, { name: 'erin', transport: 'email', email: 'erin@example.com' })
  const reply = await post(app, `<AdminRequest secret="${adminAgentSecret}" version="3.6"><Reprovision><User name="erin"/></Reprovision></AdminRequest>`, '/pinsafe/AdminXML')
  t.match(reply.body, '<Reprovision user="erin"><Result>FAIL</Result><Error>AGENT_ERROR_NO_DESTINATION</Error></Reprovision>')
  t.equal(await findProvisionCode(services.db, (await requireUser(services, 'erin')).id), undefined, 'no code left pending')
  t.match(logs.find((r) => r.event === 'adminOperationFailed'), { error: 'AGENT_ERROR_NO_DESTINATION', reason: 'the email transport of user "erin" is not configured on this server' })
  t.notOk(logs.some((r) => r.level >= 50), 'not an internal error')
})
