import t from 'tap'
import { defaultTransport } from '../src/domain/default-transport.js'
import { createUser } from '../src/domain/user-admin.js'
import { importUsers } from '../src/domain/user-import.js'
import { describeUser } from '../src/domain/users.js'
import { build } from './helpers/build.js'
import { runCli } from './e2e/helpers/cli.js'
import { databaseIn, tempDir } from './e2e/helpers/paths.js'

t.setTimeout(120_000)

// one rule wherever nobody chose a transport: user add, the console, CSV import, user repositories
t.test('the rule: email when there is an address, else sms when there is a phone number, else outbox', async (t) => {
  t.same(
    [defaultTransport({ email: 'a@example.com', phone: '+44 7700 900001' }), defaultTransport({ email: null, phone: '+44 7700 900001' }), defaultTransport({})],
    ['email', 'sms', 'outbox'],
  )
  t.equal(defaultTransport({ phone: '+44 7700 900001' }, 'email'), 'sms', 'a preferred transport that cannot reach the user gives way')
  t.equal(defaultTransport({ email: 'a@example.com', phone: '+44 7700 900001' }, 'sms'), 'sms', 'one that can is kept')
})

t.test('user add and CSV import follow it', async (t) => {
  const { services } = await build(t)
  await createUser(services, { name: 'erin', email: 'erin@example.com' })
  await createUser(services, { name: 'ivan', phone: '+44 7700 900777' })
  await createUser(services, { name: 'olga' })
  await importUsers(services, 'name,email,phone\npat,pat@example.com,+44 7700 900778\nquin,,+44 7700 900779\nruth,,\n')
  const transports = await Promise.all(['erin', 'ivan', 'olga', 'pat', 'quin', 'ruth'].map(async (name) => (await describeUser(services, name)).transport))
  t.same(transports, ['email', 'sms', 'outbox', 'email', 'sms', 'outbox'])
})

t.test('agentxml user add --phone gives the sms transport', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  t.equal((await runCli(['user', 'add', 'ivan', '--phone', '+44 7700 900777'], { db })).status, 0)
  t.match((await runCli(['user', 'show', 'ivan'], { db })).stdout, /^transport +sms$/m)
})
