import t, { type Test } from 'tap'
import { syncRepository } from '../src/domain/directory-sync.js'
import { setPolicy } from '../src/domain/policy.js'
import { addTestRepository, mobileMembers, people, startDirectory, userNamed } from './helpers/directory.js'
import { buildWithMail, countPinMessages, pinIn, pinMessages, provisionAndLogin } from './helpers/pins.js'
import { seedAgent } from './helpers/seed.js'
import { groupDn, personDn, slapdSkip } from './helpers/slapd.js'

/**
 * PINs for users a directory sync brings (issue #23): send-pin-on-create (default yes) gives each
 * member of the mobile group one PIN, by the repository's email transport, through the delivery
 * worker to a real SMTP server; the mailed PIN works with the app. A real slapd (helpers/slapd.ts).
 */

// real processes on a shared machine: more than the default two minutes
t.setTimeout(300_000)

async function setup(t: Test) {
  const slapd = await startDirectory()
  t.teardown(() => slapd.close())
  const built = await buildWithMail(t)
  await seedAgent(built.services)
  // repository users get the repository's transport; email, so that the PINs reach the SMTP server
  await addTestRepository(built.services, slapd, { transport: 'email' })
  const sync = () => syncRepository(built.services, 'corp', { trigger: 'command' })
  return { slapd, ...built, sync }
}

const recipients = (messages: { user_name: string }[]) => messages.map((m) => m.user_name).sort()

t.test('a first sync queues exactly one PIN for each member of the mobile group, none for the others', { skip: slapdSkip }, async (t) => {
  const { services, sync, logs } = await setup(t)
  t.match(await sync(), { status: 'ok', added: people.length })
  const messages = await pinMessages(services)
  t.same(recipients(messages), [...mobileMembers].sort(), 'one each, for the mobile group only')
  for (const message of messages) {
    t.equal(message.transport, 'email', `${message.user_name}: by the repository's transport`)
    t.equal(message.destination, `${message.user_name}@example.com`, `${message.user_name}: to the address in the directory`)
  }
  for (const person of people) {
    const user = await userNamed(services, person.uid)
    t.equal(user?.pin !== null, mobileMembers.includes(person.uid), `${person.uid}: a PIN exactly when in the mobile group`)
  }
  const created = logs.filter((r) => r.event === 'pinCreated')
  t.same(created.map((r) => r.user).sort(), [...mobileMembers].sort(), 'a pinCreated line each')
})

t.test('each mailed PIN works: provision the app, derive a one-time code with it, log in', { skip: slapdSkip }, async (t) => {
  const { app, services, smtp, sync } = await setup(t)
  await sync()
  const mails = await smtp.waitForMails(mobileMembers.length)
  t.same(mails.map((m) => m.to[0]).sort(), mobileMembers.map((uid) => `${uid}@example.com`).sort())
  for (const uid of mobileMembers) {
    const mail = mails.find((m) => m.to[0] === `${uid}@example.com`)
    const pin = pinIn(mail?.text ?? '') ?? ''
    t.match(pin, /^\d{4}$/, `${uid}: the mail holds a PIN of pin-length digits`)
    t.match(mail?.text, `Your PIN for ${uid} is `, 'addressed to the user by name')
    t.match(mail?.text, '/reset/changepin.jsp', 'and says where to change it')
    t.equal((await provisionAndLogin(app, services, uid, pin)).result, 'PASS', `${uid}: a code made with the mailed PIN logs in`)
  }
})

t.test('a second sync queues nothing more', { skip: slapdSkip }, async (t) => {
  const { services, sync, smtp } = await setup(t)
  await sync()
  await smtp.waitForMails(mobileMembers.length)
  const pins = await Promise.all(mobileMembers.map(async (uid) => (await userNamed(services, uid))?.pin))
  t.match(await sync(), { status: 'ok', added: 0, updated: 0 })
  t.equal(await countPinMessages(services), mobileMembers.length, 'still one message each')
  t.same(await Promise.all(mobileMembers.map(async (uid) => (await userNamed(services, uid))?.pin)), pins, 'and the PINs are the ones sent')
})

t.test('a user who joins the mobile group later is sent one PIN, which logs in', { skip: slapdSkip }, async (t) => {
  const { app, services, slapd, smtp, sync, logs } = await setup(t)
  await sync()
  await smtp.waitForMails(mobileMembers.length)
  t.equal((await userNamed(services, 'erin'))?.pin, null, 'erin, outside the group, has no PIN')
  await slapd.modify(`dn: ${groupDn('mobile')}\nchangetype: modify\nadd: member\nmember: ${personDn('erin')}\n\n`)
  t.match(await sync(), { status: 'ok', added: 0, updated: 1 })
  const messages = await pinMessages(services)
  t.same(recipients(messages), [...mobileMembers, 'erin'].sort(), 'one more message, for erin')
  t.match(logs.filter((r) => r.event === 'pinCreated' && r.user === 'erin'), [{ reason: 'mobile right' }], 'made for her new mobile right')
  const mails = await smtp.waitForMails(mobileMembers.length + 1)
  const mail = mails.find((m) => m.to[0] === 'erin@example.com')
  const pin = pinIn(mail?.text ?? '') ?? ''
  t.equal((await provisionAndLogin(app, services, 'erin', pin)).result, 'PASS', 'her mailed PIN logs in')
  await sync()
  t.equal(await countPinMessages(services), mobileMembers.length + 1, 'another sync sends her nothing more')
})

t.test('with send-pin-on-create no, a sync queues no PIN and makes none', { skip: slapdSkip }, async (t) => {
  const { services, sync } = await setup(t)
  await setPolicy(services.db, 'send-pin-on-create', 'no')
  t.match(await sync(), { status: 'ok', added: people.length })
  t.equal(await countPinMessages(services), 0, 'nothing queued')
  for (const uid of mobileMembers) t.equal((await userNamed(services, uid))?.pin, null, `${uid} has no PIN`)
})
