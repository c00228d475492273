import t from 'tap'
import { listMessages } from '../src/db/repositories/messages.js'
import { updateUser } from '../src/db/repositories/users.js'
import { remindExpiringPins } from '../src/domain/pin-expiry.js'
import { resetPin } from '../src/domain/pin-issue.js'
import { openPin } from '../src/domain/pin-seal.js'
import { setPolicy } from '../src/domain/policy.js'
import { describeUser, requireUser } from '../src/domain/users.js'
import { updateUserDetails } from '../src/domain/user-admin.js'
import { changePinWithCode } from '../src/domain/pin-change.js'
import { visibleText, signedIn } from './helpers/admin.js'
import { build } from './helpers/build.js'
import { login, readyUser } from './helpers/login.js'
import { openMessageBody } from './helpers/pin-messages.js'
import { seedAgent, seedUser } from './helpers/seed.js'
import { deriveOtc } from '../src/domain/otc.js'

// Administrators' PIN operations, the console's view of a PIN, expiry and its reminder.

t.setTimeout(300_000)

const day = 86_400_000

t.test('reset: a new random PIN replaces the old at once and goes by transport; an older one still queued is withdrawn', async (t) => {
  const { app, services, logs } = await build(t)
  await seedAgent(services)
  const alice = await readyUser(app, services, 'alice', '2468')
  await resetPin(services, 'alice', { print: false })
  await resetPin(services, 'alice', { print: false })
  const pins = (await listMessages(services.db, {})).filter((message) => message.kind === 'pin')
  t.same(pins.map((message) => message.status), ['queued', 'failed'], 'the newer queued, the older withdrawn')
  const pin = /is (\d+)/.exec(openMessageBody(services, pins[0]))?.[1] ?? ''
  t.match(pin, /^\d{4}$/, 'a PIN of pin-length digits')
  t.equal(openPin(services, await requireUser(services, 'alice')), pin)
  t.equal((await login(app, 'alice', alice.otc(1))).result, 'FAIL', 'the old PIN no longer works')
  t.equal((await login(app, 'alice', deriveOtc(alice.strings[2] ?? '', pin, 2))).result, 'PASS', 'the new one does')
  t.same(logs.filter((l) => l.event === 'pinReset').map((l) => l.msg), ['PIN reset for user: alice', 'PIN reset for user: alice'])
  t.notOk(logs.some((l) => JSON.stringify(l).includes(pin)), 'the PIN is in no log line')
  const printed = await resetPin(services, 'alice', { print: true })
  t.match(printed.pin, /^\d{4}$/)
  t.equal((await listMessages(services.db, {})).filter((message) => message.kind === 'pin').length, 2, '--print-pin queues nothing')
})

t.test('every path that replaces a PIN withdraws a message with an older one still queued', async (t) => {
  const { app, services } = await build(t)
  await seedAgent(services)
  const alice = await readyUser(app, services, 'alice', '2468')
  const queued = async () => (await listMessages(services.db, {})).filter((m) => m.kind === 'pin' && m.status === 'queued')
  /** A reset by transport: one PIN message waits; its PIN. */
  const waiting = async () => {
    await resetPin(services, 'alice', { print: false })
    const messages = await queued()
    t.equal(messages.length, 1, 'a PIN message waits')
    return /is (\d+)/.exec(openMessageBody(services, messages[0]))?.[1] ?? ''
  }
  await waiting()
  await resetPin(services, 'alice', { print: true })
  t.equal((await queued()).length, 0, 'a reset printed instead withdraws it')
  await waiting()
  await updateUserDetails(services, 'alice', { pin: '97531' })
  t.equal((await queued()).length, 0, 'a PIN set by an administrator withdraws it')
  const pin = await waiting()
  t.equal(await changePinWithCode(services, 'alice', deriveOtc(alice.strings[1] ?? '', pin, 1), '86420'), 'changed')
  t.equal((await queued()).length, 0, 'a PIN changed with a one-time code withdraws it')
})

t.test('reset of a user the transport cannot reach is refused, and the PIN stays', async (t) => {
  const { services } = await build(t)
  await seedUser(services, { name: 'bob', pin: '2468', transport: 'email', email: 'bob@example.com' })
  const bob = await requireUser(services, 'bob')
  await updateUser(services.db, bob.id, { email: null })
  await t.rejects(resetPin(services, 'bob', { print: false }), /has no email address/)
  t.equal(openPin(services, await requireUser(services, 'bob')), '2468')
})


t.test('the console: the PIN line on the user page, and the Reset PIN button', async (t) => {
  const { services, client, clock } = await signedIn(t)
  await seedUser(services, { name: 'alice', pin: '2468' })
  await setPolicy(services.db, 'pin-expiry-days', '90')
  const page = visibleText((await client.get('/admin/user?name=alice')).body)
  const shown = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`
  t.match(page, `PIN set on ${shown(clock.now())}, expires ${shown(clock.now() + 90 * day)}`)
  const reset = await client.post('/admin/user/reset-pin', { name: 'alice' })
  t.equal(reset.statusCode, 303)
  t.match(visibleText((await client.get(String(reset.headers.location))).body), 'A new PIN for "alice" replaced the old one')
  t.not(openPin(services, await requireUser(services, 'alice')), '2468')
  t.equal((await listMessages(services.db, {})).filter((message) => message.kind === 'pin').length, 1)
  t.equal((await client.post('/admin/user/reset-pin', { name: 'alice' }, { csrf: null })).statusCode, 403, 'the button needs the session token')
  await seedUser(services, { name: 'nopin' })
  t.match(visibleText((await client.get('/admin/user?name=nopin')).body), 'PIN not set')
})

t.test('expiry: an expired PIN cannot log in; the reminder goes once, days before', async (t) => {
  const { app, services, clock } = await build(t)
  await seedAgent(services)
  const alice = await readyUser(app, services, 'alice', '2468')
  await setPolicy(services.db, 'pin-expiry-days', '30')
  await setPolicy(services.db, 'pin-expiry-reminder-days', '7')
  clock.advance(22 * day)
  t.equal(await remindExpiringPins(services), 0, 'eight days before: no reminder yet')
  clock.advance(2 * day)
  t.equal(await remindExpiringPins(services), 1, 'six days before: reminded')
  t.equal(await remindExpiringPins(services), 0, 'once per PIN')
  const [reminder] = (await listMessages(services.db, {})).filter((message) => message.kind === 'pin-expiry')
  t.match(openMessageBody(services, reminder), /The PIN of alice expires on \d{4}-\d\d-\d\d\. Choose a new one at .*\/reset\/changepin\.jsp/)
  t.equal((await login(app, 'alice', alice.otc(1))).result, 'PASS', 'before the expiry a code passes')
  clock.advance(6 * day)
  const expired = await login(app, 'alice', alice.otc(2))
  t.equal(expired.error, 'AGENT_ERROR_PIN_EXPIRED')
  t.equal((await requireUser(services, 'alice')).failed_logins, 0, 'nothing counted')
  t.equal((await describeUser(services, 'alice')).pinExpiresAt, (await requireUser(services, 'alice')).pin_set_at! + 30 * day)
})
