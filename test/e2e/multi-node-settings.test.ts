// A policy changed anywhere applies to every node's next request, whether or not the node's
// notification connection is up: each request reads the settings version (src/db/postgres/
// settings.ts). PostgreSQL only.
import t from 'tap'
import { setPolicy } from '../../src/domain/policy.js'
import { mustRun } from './helpers/cli.js'
import { send } from './helpers/http.js'
import { addPortal, directServices, eventually, login, mobileUser, skip, sqlOf, startNodes } from './helpers/nodes.js'
import { databaseIn, tempDir } from './helpers/paths.js'

t.setTimeout(300_000)

const formShown = async (url: string) => {
  const page = await send(`${url}/reset/provision.jsp`)
  if (/<form/.test(page.body)) return true
  if (/not enabled/.test(page.body)) return false
  throw new Error(`neither the form nor the notice: ${page.status}`)
}

t.test('a policy set against the database applies to the other node at once', { skip }, async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const sql = sqlOf(t, db)
  const services = await directServices(t, db)
  await addPortal(services)
  const [a, b] = await startNodes(t, db, ['node-a', 'node-b'])
  if (!a || !b) throw new Error('two nodes')
  const user = await mobileUser(services, a.url, 'carol')
  const listenerOfB = () => sql<{ pid: number; backend_start: Date }>("SELECT pid, backend_start FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'agentxml node-b (settings)'")
  await eventually('node B listens', async () => (await listenerOfB()).length === 1)

  t.equal(await formShown(b.url), false, 'self-service is off on B')
  await mustRun(['policy', 'set', 'self-provision', 'yes'], { db })
  t.equal(await formShown(b.url), true, "B's next request has it on")
  await mustRun(['policy', 'set', 'max-login-tries', '2'], { db })
  t.equal((await login(b.url, user.name, user.wrongOtc(1))).error, undefined, 'one wrong code on B: a plain FAIL')
  t.equal((await login(b.url, user.name, user.wrongOtc(2))).error, 'AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED', 'the second locks: B counts to 2')
  await mustRun(['user', 'unlock', user.name], { db })

  // B's notification connection goes; the next change is made before it can come back (a second)
  const [before] = await listenerOfB()
  const killed = await sql<{ ok: boolean }>("SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '%(settings)%' AND application_name LIKE '%node-b%'")
  t.same(killed, [{ ok: true }], "B's notification connection was terminated")
  await setPolicy(services.db, 'self-provision', 'no')
  await setPolicy(services.db, 'max-login-tries', '1')
  t.equal(await formShown(b.url), false, 'B sees self-service off without the notification')
  t.equal((await login(b.url, user.name, user.wrongOtc(3))).error, 'AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED', 'and locks at the first wrong code')
  const answered = new Date()
  await eventually('B listens again', async () => (await listenerOfB()).some((row) => row.pid !== before?.pid))
  const [again] = await listenerOfB()
  t.ok(again && again.backend_start > answered, 'B had no notification connection while it answered those')
  await mustRun(['policy', 'set', 'self-provision', 'yes'], { db })
  t.equal(await formShown(b.url), true, 'and B follows the next change too')
  t.equal(await formShown(a.url), true, 'as A does')
})
