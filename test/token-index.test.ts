import t from 'tap'
import { findDeviceByUser } from '../src/db/repositories/devices.js'
import { findBatchByDevice } from '../src/db/repositories/string-batches.js'
import { requireUser } from '../src/domain/users.js'
import { build, element, post, sasRequest } from './helpers/build.js'
import { insertBurn } from './helpers/db-seed.js'
import { seedDevice } from './helpers/fixtures.js'
import { seedUser } from './helpers/seed.js'

// Spec §7: GET /<context>/TokenIndex?username=U → the index to use next, as plain text.

const id = 'ba50932d8ac5fc4e279c6783a2c27b28'
const download = sasRequest(`<Action>SecurityStrings</Action><Id>${id}</Id>`)

async function tokenIndex(app: Awaited<ReturnType<typeof build>>['app'], query: string, context = 'proxy') {
  const reply = await app.inject({ method: 'GET', url: `/${context}/TokenIndex?${query}` })
  return { status: reply.statusCode, type: reply.headers['content-type'], body: reply.body }
}

async function burn(services: Awaited<ReturnType<typeof build>>['services'], ...indexes: number[]) {
  const user = await requireUser(services, 'alice')
  const device = await findDeviceByUser(services.db, user.id)
  const batch = device && (await findBatchByDevice(services.db, device.id))
  if (!batch) throw new Error('alice has no batch')
  for (const index of indexes) await insertBurn(services, batch.id, index)
}

t.test('0 for an unknown user, a user without a device, a device without a batch', async (t) => {
  const { app, services } = await build(t)
  t.same(await tokenIndex(app, 'username=qwerty'), { status: 200, type: 'text/plain; charset=UTF-8', body: '0' }, 'unknown user')
  await seedUser(services, { name: 'alice' })
  t.equal((await tokenIndex(app, 'username=alice')).body, '0', 'no device')
  await seedDevice(services, 'alice', id)
  t.equal((await tokenIndex(app, 'username=alice')).body, '0', 'a device that never downloaded strings')
})

t.test('1 for a fresh batch, then one more than the highest used index', async (t) => {
  const { app, services } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedDevice(services, 'alice', id)
  t.equal(element((await post(app, download, '/proxy/AgentXML')).body, 'Result'), 'PASS')
  t.equal((await tokenIndex(app, 'username=alice')).body, '1', 'fresh batch')
  await burn(services, 1)
  t.equal((await tokenIndex(app, 'username=alice')).body, '2')
  await burn(services, 7, 3)
  t.equal((await tokenIndex(app, 'username=alice')).body, '8', 'the highest, not the count')
  await burn(services, 99)
  t.equal((await tokenIndex(app, 'username=alice')).body, '100', 'past the last index: the client must download again')
  t.equal(element((await post(app, download, '/proxy/AgentXML')).body, 'Result'), 'PASS')
  t.equal((await tokenIndex(app, 'username=alice')).body, '1', 'a new download starts again at 1')
})

t.test('every context serves it; the log line names the user', async (t) => {
  const { app, services, logs } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedDevice(services, 'alice', id)
  await post(app, download, '/proxy/AgentXML')
  for (const context of ['pinsafe', 'sentry', 'proxy']) {
    t.same(await tokenIndex(app, 'username=alice', context), { status: 200, type: 'text/plain; charset=UTF-8', body: '1' }, context)
  }
  const lines = logs.filter((r) => r.event === 'tokenIndex')
  t.equal(lines.length, 3)
  t.ok(lines.every((r) => r.msg === 'Token index request for user: alice' && r.user === 'alice'), 'the legacy text')
  await tokenIndex(app, 'username=qwerty')
  t.equal(logs.at(-1)?.msg, 'Token index request for user: qwerty', 'unknown users are logged too')
})

t.test('user names are matched decoded, trimmed, whatever their case', async (t) => {
  const { app, services } = await build(t)
  const name = 'józef wiśniewski'
  await seedUser(services, { name, email: 'jozef@example.com' })
  await seedDevice(services, name, id)
  await post(app, download, '/proxy/AgentXML')
  t.equal((await tokenIndex(app, `username=${encodeURIComponent(name)}`)).body, '1', 'a UTF-8 name with a space')
  t.equal((await tokenIndex(app, `username=%20${encodeURIComponent(name)}%20`)).body, '1', 'trimmed')
  t.equal((await tokenIndex(app, 'username=J%C3%B3zef%20Wi%C5%9Bniewski')).body, '1', 'case does not matter (names are matched case-insensitively)')
})

t.test('a missing, empty or repeated username answers 0', async (t) => {
  const { app, services } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedDevice(services, 'alice', id)
  await post(app, download, '/proxy/AgentXML')
  for (const query of ['', 'username=', 'user=alice', 'username=alice&username=alice']) {
    const reply = await tokenIndex(app, query)
    t.same(reply, { status: 200, type: 'text/plain; charset=UTF-8', body: '0' }, query || '(no query)')
  }
})

t.test('TokenIndex is a GET; a POST is not found, in XML', async (t) => {
  const { app } = await build(t)
  const reply = await app.inject({ method: 'POST', url: '/proxy/TokenIndex?username=alice', payload: 'x' })
  t.equal(reply.statusCode, 404)
  t.equal(reply.headers['content-type'], 'text/xml; charset=UTF-8')
})
