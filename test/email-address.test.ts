import t from 'tap'
import { loadConfig } from '../src/config.js'
import { findMessage } from '../src/db/repositories/messages.js'
import { updateUser } from '../src/db/repositories/users.js'
import { isPlainEmailAddress } from '../src/domain/email-address.js'
import { createProvisionCode } from '../src/domain/provision-code.js'
import { addUser } from '../src/domain/users.js'
import { closeTransports, createTransports } from '../src/transports/index.js'
import { deliverDue } from '../src/transports/worker.js'
import { adminAgentSecret, seedAdminWorld } from './helpers/admin-seed.js'
import { build, post } from './helpers/build.js'
import { seedUser } from './helpers/seed.js'
import { startSmtp } from './helpers/smtp.js'

const plain = ['alice@example.com', 'a.b+tag@sub.example.co.uk', "o'brien@example.ie", 'x_y-z@xn--bcher-kva.example', 'ALICE@EXAMPLE.COM', 'józef.wiśniewski@example.com', 'alice@exämple.com']
// each of these makes a mail library send somewhere else than the address shown, or is no address at all
const notPlain = [
  'list:evil@attacker.test;',
  'victim<evil@attacker.test>',
  'Victim <evil@attacker.test>',
  'victim@example.com <evil@attacker.test>',
  'evil@attacker.test, victim@example.com',
  'evil@attacker.test;victim@example.com',
  '"victim@example.com"@attacker.test',
  'victim(evil@attacker.test)@example.com',
  'victim@example.com(evil@attacker.test)',
  'a@[127.0.0.1]',
  'a@@example.com',
  '.a@example.com',
  'a..b@example.com',
  'a.@example.com',
  'a@-example.com',
  'a@example',
  'a@example.com\n',
  'a b@example.com',
  'alice@example.com\u00a0',
  'alice\u200b@example.com',
  `${'a'.repeat(250)}@example.com`,
  '',
]

t.test('an email destination is a plain address and nothing else', async (t) => {
  for (const address of plain) t.ok(isPlainEmailAddress(address), address)
  for (const address of notPlain) t.notOk(isPlainEmailAddress(address), JSON.stringify(address))
})

t.test('users are refused a destination that is not a plain address, by the command and by AdminXML', async (t) => {
  const { app, services } = await build(t)
  for (const email of ['list:evil@attacker.test;', 'victim<evil@attacker.test>']) {
    await t.rejects(addUser(services, { name: 'erin', transport: 'email', email }), /is not an email address \(a plain address, name@example\.com\)/, email)
  }
  await seedAdminWorld(services)
  const admin = (operation: string) => post(app, `<AdminRequest secret="${adminAgentSecret}" version="3.6">${operation}</AdminRequest>`, '/pinsafe/AdminXML')
  const create = await admin('<Create><User name="erin"><Transport>email</Transport><Destination>victim&lt;evil@attacker.test&gt;</Destination></User></Create>')
  t.match(create.body, '<Error>AGENT_ERROR_INVALID_VALUE</Error>')
  const update = await admin('<Update><User name="alice"><Transport>email</Transport><Destination>list:evil@attacker.test;</Destination></User></Update>')
  t.match(update.body, '<Error>AGENT_ERROR_INVALID_VALUE</Error>')
})

t.test('the mail goes to exactly the address, and a stored address that is not plain is never sent to', async (t) => {
  const smtp = await startSmtp()
  t.teardown(() => smtp.close())
  const { services } = await build(t)
  const transports = createTransports(loadConfig({ db: ':memory:', 'smtp-from': 'noreply@example.com', 'smtp-url': `smtp://127.0.0.1:${smtp.port}` }, {}))
  t.teardown(() => closeTransports(transports))
  await seedUser(services, { name: 'erin', transport: 'email', email: "o'brien+x@example.ie" })
  await createProvisionCode(services, 'erin', { deliver: true })
  t.same(await deliverDue(services, transports), { attempted: 1, sent: 1 })
  const [mail] = await smtp.waitForMails(1)
  t.same(mail?.to, ["o'brien+x@example.ie"])
  t.match(mail?.raw, /^To: o'brien\+x@example\.ie\r$/m)

  // a row written before addresses were checked
  const mallory = await seedUser(services, { name: 'mallory', transport: 'email', email: 'mallory@example.com' })
  await updateUser(services.db, mallory.id, { email: 'victim@example.com <evil@attacker.test>' })
  const created = await createProvisionCode(services, 'mallory', { deliver: true })
  t.same(await deliverDue(services, transports), { attempted: 1, sent: 0 })
  const stored = await findMessage(services.db, created.messageId ?? 0)
  t.match(stored?.last_error, /not a plain email address/)
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal(smtp.mails.length, 1, 'nothing more reached the mail server')
})
