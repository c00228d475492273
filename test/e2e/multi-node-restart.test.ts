// PostgreSQL itself crashes (`pg_ctl -m immediate stop`) and comes back while two nodes serve:
// no PASS is given for a change that was not committed, /ready goes red and green again, and
// the nodes recover without a restart. On a private, durable cluster: stopping the shared one
// would break every other test running meanwhile, and the shared one does not fsync.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { setPolicy } from '../../src/domain/policy.js'
import { createProvisionCode } from '../../src/domain/provision-code.js'
import { addUser } from '../../src/domain/users.js'
import { startCluster } from '../helpers/pg-cluster.mjs'
import { mustRun } from './helpers/cli.js'
import { send } from './helpers/http.js'
import { addPortal, directServices, eventually, login, mobileUser, skip, sqlOf, startNodes } from './helpers/nodes.js'
import { tempDir } from './helpers/paths.js'
import { downloadStrings, provision } from './helpers/protocol.js'
import type { ServerProcess } from './helpers/server.js'

t.setTimeout(600_000)

/** `down`: from when pg_ctl stop returned until pg_ctl start is run. */
type Phase = 'up' | 'down' | 'starting' | 'back'

t.test('PostgreSQL crashes and restarts under load: no PASS lost, /ready red then green, no node restarted', { skip }, async (t) => {
  const cluster = await startCluster({ durable: true })
  t.teardown(() => cluster.remove())
  const dir = await tempDir(t)
  const keyFile = join(dir, 'agentxml.key')
  await writeFile(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 })
  const db = cluster.url
  await mustRun(['init'], { db, env: { AGENTXML_KEY_FILE: keyFile } })
  const services = await directServices(t, db, keyFile)
  await addPortal(services)
  await setPolicy(services.db, 'provision-attempts-per-address', '0')
  const nodes = (await startNodes(t, db, ['node-a', 'node-b'], [], { AGENTXML_KEY_FILE: keyFile })) as [ServerProcess, ServerProcess]
  const urlOf = (node: number) => nodes[node]?.url ?? ''
  const user = await mobileUser(services, urlOf(0), 'steady')
  const codes = new Map<string, string>()
  for (let i = 0; i < 60; i++) {
    await addUser(services, { name: `dev${i}` })
    codes.set(`dev${i}`, (await createProvisionCode(services, `dev${i}`, { deliver: false })).code)
  }

  let phase: Phase = 'up'
  let running = true
  t.teardown(() => {
    running = false
  })
  const logins: { index: number; node: number; result: string | undefined; sent: Phase; answered: Phase }[] = []
  const provisions: { name: string; node: number; id: string | undefined; result: string | undefined; sent: Phase; answered: Phase }[] = []
  const loginQueue = Array.from({ length: 99 }, (_, i) => i + 1)
  const provisionQueue = [...codes.keys()]
  // a steady trickle on both nodes, so that there are requests before, during and after
  const loginLoop = async (node: number) => {
    while (running) {
      const index = loginQueue.shift()
      if (index === undefined) return
      const sent = phase
      const reply = await login(urlOf(node), user.name, user.otc(index)).catch(() => ({ result: 'no reply' }))
      logins.push({ index, node, result: reply.result, sent, answered: phase })
      await sleep(100)
    }
  }
  const provisionLoop = async (node: number) => {
    while (running) {
      const name = provisionQueue.shift()
      if (name === undefined) return
      const sent = phase
      const reply = await provision(urlOf(node), name, codes.get(name) ?? '').catch(() => ({ result: 'no reply', id: undefined }))
      provisions.push({ name, node, id: reply.result === 'PASS' ? reply.id : undefined, result: reply.result, sent, answered: phase })
      await sleep(150)
    }
  }
  // and a steady crowd of provisions for a name nobody has: every node has transactions open all along
  const noise: (string | undefined)[] = []
  const noiseLoop = async (node: number) => {
    while (running) noise.push((await provision(urlOf(node), 'nobody', 'AAAAAAAAAA').catch(() => ({ result: 'no reply' }))).result)
  }
  const ready = async (node: ServerProcess) => (await send(`${node.url}/ready`, { timeoutMs: 10_000 })).status
  const load = Promise.all([loginLoop(0), loginLoop(1), provisionLoop(0), provisionLoop(1), ...[0, 1, 0, 1, 0, 1].map(noiseLoop)])

  await eventually('some PASSes first', async () => logins.filter((l) => l.result === 'PASS').length >= 6)
  t.same(await Promise.all(nodes.map(ready)), [200, 200], '/ready is green on both')
  cluster.stop('immediate')
  phase = 'down'
  t.pass('PostgreSQL stopped, -m immediate')
  await eventually('both nodes not ready', async () => (await Promise.all(nodes.map(ready))).every((status) => status === 503), 20_000)
  t.pass('/ready is red (503) on both')
  await sleep(2_000)
  phase = 'starting'
  cluster.start()
  await eventually('both nodes ready again', async () => (await Promise.all(nodes.map(ready))).every((status) => status === 200), 60_000)
  phase = 'back'
  t.pass('/ready is green again on both')
  const passesSince = (node: number) => logins.filter((l) => l.node === node && l.sent === 'back' && l.result === 'PASS').length
  await eventually('both nodes serve again', async () => passesSince(0) >= 3 && passesSince(1) >= 3, 60_000)
  running = false
  await load

  const during = [...logins, ...provisions].filter((r) => r.sent === 'down' && r.answered === 'down')
  t.ok(during.length > 0, `requests sent and answered while PostgreSQL was down: ${during.length}`)
  t.same(during.filter((r) => r.result !== 'FAIL'), [], 'every one of them an XML FAIL')
  const [burntRows, spent] = [
    await sqlOf(t, db)<{ idx: number }>(
      "SELECT idx FROM used_strings WHERE batch_id = (SELECT b.id FROM string_batches b JOIN devices d ON d.id = b.device_id JOIN users u ON u.id = d.user_id WHERE u.name = 'steady')",
    ),
    new Set<number>(),
  ]
  for (const row of burntRows) spent.add(row.idx)
  const passed = logins.filter((l) => l.result === 'PASS')
  t.same(passed.filter((l) => !spent.has(l.index)), [], `every login PASS (${passed.length}) burnt its string`)
  const provisioned = provisions.filter((p) => p.id !== undefined)
  t.ok(provisioned.length > 0, `${provisioned.length} provisions passed`)
  for (const p of provisioned) t.equal((await downloadStrings(urlOf(1 - p.node), p.id ?? '')).result, 'PASS', `${p.name}: its device exists`)
  t.same(noise.filter((result) => result !== 'FAIL'), [], `none of the ${noise.length} provisions for nobody passed, each answered`)
  for (const node of nodes) t.equal(await Promise.race([node.exited.then(() => 'exited'), sleep(10, 'running')]), 'running', 'the node never exited')
})
