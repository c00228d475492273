import { readFileSync } from 'node:fs'
import t from 'tap'
import { findUserByKey } from '../src/db/repositories/users.js'
import { addAgent } from '../src/domain/agents.js'
import { sendMissingPins } from '../src/domain/pin-issue.js'
import { setPolicy } from '../src/domain/policy.js'
import { importUsers } from '../src/domain/user-import.js'
import { addUser } from '../src/domain/users.js'
import { build, element, post } from './helpers/build.js'
import { countPinMessages, pinIn, pinMessages, provisionAndLogin } from './helpers/pins.js'
import { seedAgent } from './helpers/seed.js'

/**
 * PINs for users made without one (issue #23): a CSV import and an AdminXML Create queue one PIN
 * message each (send-pin-on-create, default yes), sealed in the queue, and that PIN works with the
 * app; `user send-pins` (sendMissingPins) reaches everyone still without one, once.
 */

t.setTimeout(300_000)

const createFixture = (name: string) => readFileSync(new URL(`../fixtures/adminxml/create/${name}.request.xml`, import.meta.url))

t.test('a CSV import queues one PIN for each imported user; the PIN from the message logs in', async (t) => {
  const { app, services } = await build(t)
  await seedAgent(services)
  const csv = 'name,email,transport\nalice,alice@example.com,email\nbob,bob@example.com,email\n'
  t.match(await importUsers(services, csv), { added: 2, problems: [] })
  const messages = await pinMessages(services)
  t.same(messages.map((m) => [m.user_name, m.transport, m.destination, m.status]), [
    ['alice', 'email', 'alice@example.com', 'queued'],
    ['bob', 'email', 'bob@example.com', 'queued'],
  ], 'one each, by the transport of the row')
  for (const message of messages) {
    const pin = pinIn(message.text) ?? ''
    t.match(pin, /^\d{4}$/, `${message.user_name}: the message holds a PIN`)
    t.equal((await provisionAndLogin(app, services, message.user_name, pin)).result, 'PASS', `${message.user_name}: a code made with it logs in`)
  }
  t.match(await importUsers(services, csv), { added: 0, unchanged: 2 })
  t.equal(await countPinMessages(services), 2, 'importing the same file again queues nothing more')
})

t.test('with send-pin-on-create no, an import queues no PIN', async (t) => {
  const { services } = await build(t)
  await setPolicy(services.db, 'send-pin-on-create', 'no')
  t.match(await importUsers(services, 'alice,alice@example.com\n'), { added: 1 })
  t.equal(await countPinMessages(services), 0)
  t.equal((await findUserByKey(services.db, 'alice'))?.pin, null, 'alice has no PIN')
})

t.test('AdminXML Create without a PIN queues one; the PIN from the message logs in', async (t) => {
  const { app, services } = await build(t)
  await seedAgent(services)
  await addAgent(services, { name: 'portal', secret: 'admin-agent-secret', admin: true })
  const created = await post(app, createFixture('defaults'), '/pinsafe/AdminXML')
  t.equal(element(created.body, 'Result'), 'PASS', 'erin is created (fixture create/defaults)')
  const [message, ...others] = await pinMessages(services)
  t.same(others, [], 'one message')
  t.match(message, { user_name: 'erin', transport: 'outbox', destination: 'erin', status: 'queued' })
  const pin = pinIn(message?.text ?? '') ?? ''
  t.match(pin, /^\d{4}$/, 'the message holds a PIN')
  t.notMatch(created.body, pin, 'the reply does not')
  t.equal((await provisionAndLogin(app, services, 'erin', pin)).result, 'PASS', 'a code made with it logs in')

  const withPin = await post(app, createFixture('pass'), '/pinsafe/AdminXML')
  t.equal(element(withPin.body, 'Result'), 'PASS', 'bob is created with his PIN (fixture create/pass)')
  t.equal(await countPinMessages(services), 1, 'a user created with a PIN is sent none')
  t.equal((await provisionAndLogin(app, services, 'bob', '2468')).result, 'PASS', 'his own PIN logs in')
})

t.test('send-pins queues a PIN for each of 1 000 users without one; run again, it queues nothing more', async (t) => {
  const { services } = await build(t)
  const names = Array.from({ length: 1000 }, (_, i) => `user${String(i).padStart(4, '0')}`)
  // added as `user add` would without a PIN, but past its send-pin-on-create: addUser sends nothing
  for (const name of names) await addUser(services, { name, email: `${name}@example.com`, transport: 'email' })
  t.equal(await countPinMessages(services), 0, 'none queued yet')

  const first = await sendMissingPins(services)
  t.equal(first.sent, 1000)
  t.same([...first.unsent], [], 'nobody left out')
  t.equal(await countPinMessages(services), 1000, '1 000 messages of kind pin')
  const recipients = await services.db.selectFrom('messages').select('user_name').distinct().where('kind', '=', 'pin').execute()
  t.equal(recipients.length, 1000, 'one for each user')
  const without = await services.db.selectFrom('users').select('id').where('pin', 'is', null).execute()
  t.equal(without.length, 0, 'every user has a PIN now')

  const second = await sendMissingPins(services)
  t.equal(second.sent, 0)
  t.equal(await countPinMessages(services), 1000, 'the second run queues nothing more')
})
