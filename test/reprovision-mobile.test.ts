import t from 'tap'
import { openDatabase } from '../src/db/index.js'
import { updateUser } from '../src/db/repositories/users.js'
import { createProvisionCode } from '../src/domain/provision-code.js'
import { signedIn, visibleText } from './helpers/admin.js'
import { build } from './helpers/build.js'
import { seedUser } from './helpers/seed.js'
import { runCli } from './e2e/helpers/cli.js'
import { databaseIn, tempDir } from './e2e/helpers/paths.js'

t.setTimeout(120_000)

// provision refuses every code of a user without the mobile right: none is made or sent
// (AgentXML reprovision and AdminXML Reprovision: fixtures/*/reprovision/no-mobile-right)
const refusal = 'user "bob" has no mobile right: a provision code could never be used'

t.test('no code is created, queued or printed for a user without the mobile right', async (t) => {
  const { services } = await build(t)
  const bob = await seedUser(services, { name: 'bob' })
  await updateUser(services.db, bob.id, { mobile: 0 })
  await t.rejects(createProvisionCode(services, 'bob', { deliver: true }), { message: refusal })
  await t.rejects(createProvisionCode(services, 'Bob', { deliver: false }), { message: refusal }, 'nor handed over in person')
  t.same(await services.db.selectFrom('provision_codes').selectAll().execute(), [])
  t.same(await services.db.selectFrom('messages').selectAll().execute(), [])
})

t.test("the console: the user's page says so, and Reprovision shows the refusal", async (t) => {
  const { services, client } = await signedIn(t)
  const bob = await seedUser(services, { name: 'bob' })
  await updateUser(services.db, bob.id, { mobile: 0 })
  t.match(visibleText((await client.get('/admin/user?name=bob')).body), 'Mobile client not allowed no mobile right: provision codes are refused')
  const refused = await client.post('/admin/user/reprovision', { name: 'bob' })
  t.equal(refused.statusCode, 400)
  t.match(visibleText(refused.body), `User "bob" has no mobile right: a provision code could never be used`)
  t.same(await services.db.selectFrom('provision_codes').selectAll().execute(), [])
  await seedUser(services, { name: 'alice' })
  t.match(visibleText((await client.get('/admin/user?name=alice')).body), 'Mobile client allowed')
})

t.test('agentxml reprovision: one line, status 1; user show names the mobile right', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  await runCli(['user', 'add', 'bob', '--pin', '2468'], { db })
  t.match((await runCli(['user', 'show', 'bob'], { db })).stdout, /^mobile right +yes$/m)
  const opened = await openDatabase(db)
  await opened.db.updateTable('users').set({ mobile: 0 }).where('name', '=', 'bob').execute()
  await opened.store.close()
  t.match((await runCli(['user', 'show', 'bob'], { db })).stdout, /^mobile right +no: provision codes are refused$/m)
  for (const args of [['reprovision', 'bob'], ['reprovision', 'bob', '--print-code']]) {
    const refused = await runCli(args, { db })
    t.same([refused.status, refused.stdout, refused.stderr], [1, '', `agentxml: ${refusal}\n`], args.join(' '))
  }
})
