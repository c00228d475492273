import t from 'tap'
import { findDeviceByUser } from '../src/db/repositories/devices.js'
import { findProvisionCode } from '../src/db/repositories/provision-codes.js'
import { setPolicy } from '../src/domain/policy.js'
import { openBatch } from '../src/domain/security-strings.js'
import { requireUser } from '../src/domain/users.js'
import { build, element, post, sasRequest } from './helpers/build.js'
import { seedDevice } from './helpers/fixtures.js'
import { seedCode, seedUser } from './helpers/seed.js'

// One-time things are consumed atomically (style habit 9): fire many at once, expect one winner.

const provision = sasRequest('<Action>provision</Action><Username>alice</Username><ProvisionCode>K7QF2M9XWD</ProvisionCode>')
const id = 'ba50932d8ac5fc4e279c6783a2c27b28'

t.test('50 concurrent provisions with the same valid code: exactly one PASS', async (t) => {
  const { app, services, logs } = await build(t)
  // the attempt limits (provision.test.ts) would refuse most of these before they reach the code
  await setPolicy(services.db, 'provision-attempts-per-user', '0')
  await setPolicy(services.db, 'provision-attempts-per-address', '0')
  await seedUser(services, { name: 'alice' })
  await seedCode(services, 'alice', 'K7QF2M9XWD')
  const replies = await Promise.all(Array.from({ length: 50 }, () => post(app, provision, '/proxy/AgentXML')))
  const results = replies.map((reply) => `${element(reply.body, 'Result')} ${element(reply.body, 'Error') ?? ''}`.trim())
  t.equal(results.filter((r) => r === 'PASS').length, 1, 'one PASS')
  t.equal(results.filter((r) => r === 'FAIL PROVISION_FAILURE').length, 49, '49 PROVISION_FAILURE')
  t.equal(replies.filter((reply) => reply.statusCode === 200).length, 50, 'every reply is a 200')

  const winner = replies.find((reply) => element(reply.body, 'Result') === 'PASS')
  const strings = await post(app, sasRequest(`<Action>SecurityStrings</Action><Id>${element(winner?.body ?? '', 'Id')}</Id>`), '/proxy/AgentXML')
  t.equal(element(strings.body, 'Result'), 'PASS', "the winner's Id is the bound device")

  const user = await requireUser(services, 'alice')
  t.equal(await findProvisionCode(services.db, user.id), undefined, 'the code is gone')
  t.equal(logs.filter((r) => r.event === 'provisioned').length, 1, 'one success line')
  const failures = logs.filter((r) => r.event === 'provisionFailed')
  t.equal(failures.length, 49, '49 failure lines')
  t.ok(failures.every((r) => r.reason === 'no pending code'), 'each because the code was already taken')
})

t.test('50 concurrent provisions of 50 users: each gets its own device', async (t) => {
  const { app, services } = await build(t)
  const users = Array.from({ length: 50 }, (_, n) => ({ name: `user${n}`, code: `K7QF2M${String(n).padStart(4, '9')}` }))
  for (const { name, code } of users) {
    await seedUser(services, { name })
    await seedCode(services, name, code)
  }
  const replies = await Promise.all(
    users.map(({ name, code }) =>
      post(app, sasRequest(`<Action>provision</Action><Username>${name}</Username><ProvisionCode>${code}</ProvisionCode>`), '/proxy/AgentXML'),
    ),
  )
  t.equal(replies.filter((reply) => element(reply.body, 'Result') === 'PASS').length, 50, 'no success blocks another')
  t.equal(new Set(replies.map((reply) => element(reply.body, 'Id'))).size, 50, '50 different Ids')
})

t.test("20 concurrent provisions from one address with a limit of 5: exactly 5 are let through, the others' codes are untouched", async (t) => {
  const { app, services, logs } = await build(t)
  await setPolicy(services.db, 'provision-attempts-per-user', '0')
  await setPolicy(services.db, 'provision-attempts-per-address', '5')
  const users = Array.from({ length: 20 }, (_, n) => `user${n}`)
  for (const name of users) {
    await seedUser(services, { name })
    await seedCode(services, name, 'K7QF2M9XWD')
  }
  // each presents its own right code: only the limit can refuse it
  const replies = await Promise.all(
    users.map((name) => post(app, sasRequest(`<Action>provision</Action><Username>${name}</Username><ProvisionCode>K7QF2M9XWD</ProvisionCode>`), '/proxy/AgentXML', { remoteAddress: '198.51.100.7' })),
  )
  t.equal(replies.filter((reply) => element(reply.body, 'Result') === 'PASS').length, 5, 'five PASS')
  t.equal(logs.filter((r) => r.reason === 'too many attempts from this address').length, 15, 'fifteen refused by the address limit')
  let left = 0
  for (const name of users) if (await findProvisionCode(services.db, (await requireUser(services, name)).id)) left++
  t.equal(left, 15, 'the refused attempts left their codes as they were')
})

t.test('two concurrent SecurityStrings downloads leave exactly one batch', async (t) => {
  const { app, services } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedDevice(services, 'alice', id)
  const request = sasRequest(`<Action>SecurityStrings</Action><Id>${id}</Id>`)
  const replies = await Promise.all([post(app, request, '/proxy/AgentXML'), post(app, request, '/proxy/AgentXML')])
  t.same(replies.map((reply) => element(reply.body, 'Result')), ['PASS', 'PASS'], 'both downloads succeed')
  const downloaded = replies.map((reply) => element(reply.body, 'SecurityStrings') ?? '')
  t.not(downloaded[0], downloaded[1], 'each download is a fresh batch')

  const user = await requireUser(services, 'alice')
  const device = await findDeviceByUser(services.db, user.id)
  const batches = await services.db.selectFrom('string_batches').selectAll().execute()
  t.equal(batches.length, 1, 'one batch in the database')
  const stored = openBatch(services, device?.id ?? -1, batches[0]?.strings ?? Buffer.alloc(0)).join(';')
  t.equal(downloaded.filter((strings) => strings === stored).length, 1, 'and it is one of the two downloaded, whole')
})
