// Two `agentxml serve` processes on one PostgreSQL database, raced: every one-time thing is
// used once whichever node is asked, every counter counts every node's requests, and every
// audit row says which node wrote it. PostgreSQL only: SQLite has one server per file.
import t from 'tap'
import { setPolicy } from '../../src/domain/policy.js'
import { createProvisionCode } from '../../src/domain/provision-code.js'
import { addUser } from '../../src/domain/users.js'
import { send } from './helpers/http.js'
import { addPortal, directServices, eventually, login, mobileUser, skip, sqlOf, startNodes } from './helpers/nodes.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { downloadStrings, provision } from './helpers/protocol.js'

// two servers and hundreds of requests on a shared machine
t.setTimeout(600_000)

const names = ['node-a', 'node-b'] as const

t.test('two nodes on one database', { skip }, async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const sql = sqlOf(t, db)
  const services = await directServices(t, db)
  await addPortal(services)
  // the races below are about the code and the strings, not the attempt limits
  for (const [key, value] of [['provision-attempts-per-user', '0'], ['provision-attempts-per-address', '0'], ['max-login-tries', '100']]) {
    await setPolicy(services.db, key as string, value as string)
  }
  const nodes = await startNodes(t, db, names)
  const urlOf = (i: number) => nodes[i % 2]?.url ?? ''
  const nodeOf = (i: number) => names[i % 2]
  const count = async (text: string, values: unknown[] = []) => Number((await sql<{ n: string }>(text, values))[0]?.n)

  await t.test('50 provisions of one code split between the nodes: one PASS, one device, one provisioned row, 20 rounds', async (t) => {
    for (let round = 1; round <= 20; round++) {
      const user = `round${String(round).padStart(2, '0')}`
      await addUser(services, { name: user })
      const { code } = await createProvisionCode(services, user, { deliver: false })
      const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => provision(urlOf(i + round), user, code).then((r) => ({ ...r, node: nodeOf(i + round) }))))
      const passes = replies.filter((r) => r.result === 'PASS')
      const failures = replies.filter((r) => r.error === 'PROVISION_FAILURE')
      if (passes.length !== 1 || failures.length !== 49) {
        t.fail(`round ${round}: ${passes.length} PASS, ${failures.length} PROVISION_FAILURE`)
        continue
      }
      const winner = passes[0] as (typeof passes)[number]
      t.equal(await count('SELECT count(*) AS n FROM devices JOIN users ON users.id = devices.user_id WHERE users.name = $1', [user]), 1, `round ${round}: one device`)
      t.equal((await downloadStrings(urlOf(round + 1), winner.id ?? '')).fields.length, 100, `round ${round}: the PASS's Id is the device`)
      // the 49 refusals are open events, stored at most one a source a minute (audit-flood.ts)
      await eventually(`round ${round}: audit row`, async () => (await count("SELECT count(*) AS n FROM audit_log WHERE user_name = $1 AND event = 'provisioned'", [user])) >= 1)
      const rows = await sql<{ event: string; node: string }>("SELECT event, node FROM audit_log WHERE user_name = $1 AND event = 'provisioned'", [user])
      t.same(rows, [{ event: 'provisioned', node: winner.node }], `round ${round}: one provisioned row, by the node that answered PASS`)
    }
  })

  await t.test('one OTC presented 50 times across both nodes passes once', async (t) => {
    const user = await mobileUser(services, urlOf(0), 'otc-user')
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => login(urlOf(i), user.name, user.otc(7))))
    t.equal(replies.filter((r) => r.result === 'PASS').length, 1, 'one PASS')
    t.equal(replies.filter((r) => r.result === 'FAIL' && r.error === undefined).length, 49, '49 plain FAILs')
    t.equal(await count("SELECT count(*) AS n FROM used_strings WHERE idx = 7 AND batch_id = (SELECT b.id FROM string_batches b JOIN devices d ON d.id = b.device_id JOIN users u ON u.id = d.user_id WHERE u.name = 'otc-user')"), 1)
    t.equal((await login(urlOf(1), user.name, user.otc(8))).result, 'PASS', 'the next string still works')
  })

  await t.test('50 wrong codes at once across both nodes: every one counted', async (t) => {
    const user = await mobileUser(services, urlOf(1), 'counted')
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => login(urlOf(i), user.name, user.wrongOtc(i + 1))))
    t.equal(replies.filter((r) => r.result === 'FAIL').length, 50, '50 FAILs')
    const [row] = await sql<{ failed_logins: number; locked_at: string | null }>("SELECT failed_logins, locked_at FROM users WHERE name = 'counted'")
    t.same(row, { failed_logins: 50, locked_at: null }, 'users.failed_logins = 50, not locked (max-login-tries 100)')
  })

  await t.test('50 wrong codes at once across both nodes with max-login-tries 5: locked at the fifth', async (t) => {
    await setPolicy(services.db, 'max-login-tries', '5')
    const user = await mobileUser(services, urlOf(0), 'locked')
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => login(urlOf(i), user.name, user.wrongOtc(i + 1))))
    const errors = (code: string | undefined) => replies.filter((r) => r.result === 'FAIL' && r.error === code).length
    t.equal(errors(undefined), 4, 'four plain FAILs')
    t.equal(errors('AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED'), 1, 'the fifth locks')
    t.equal(errors('AGENT_ERROR_USER_LOCKED'), 45, 'the rest find the user locked')
    const [row] = await sql<{ failed_logins: number; locked: boolean }>("SELECT failed_logins, locked_at IS NOT NULL AS locked FROM users WHERE name = 'locked'")
    t.same(row, { failed_logins: 5, locked: true })
    t.equal((await login(urlOf(1), user.name, user.otc(60))).error, 'AGENT_ERROR_USER_LOCKED', 'the right code no longer helps')
    await setPolicy(services.db, 'max-login-tries', '100')
  })

  await t.test('self-service: 5 requests in all across both nodes, then 429 on either', async (t) => {
    await setPolicy(services.db, 'self-provision', 'yes')
    // a form token from node A; both nodes have the key it is made with
    const page = await send(`${urlOf(0)}/reset/provision.jsp`)
    const cookie = String(page.headers['set-cookie'] ?? '').split(';')[0] ?? ''
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    t.ok(cookie && token, 'a cookie and a form token')
    const post = (i: number) =>
      send(`${urlOf(i)}/reset/provision.jsp`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: `nobody${i}`, _csrf: token }).toString(),
      })
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => post(i)))
    t.equal(replies.filter((r) => r.status === 200).length, 5, 'five answered')
    t.equal(replies.filter((r) => r.status === 429).length, 7, 'seven refused')
    const refusedBy = new Set(replies.flatMap((r, i) => (r.status === 429 ? [nodeOf(i)] : [])))
    t.same([...refusedBy].sort(), [...names], 'both nodes refuse once the shared count is reached')
  })

  await t.test('every audit row names its node', async (t) => {
    await eventually('audit rows written', async () => (await count("SELECT count(*) AS n FROM audit_log WHERE event = 'selfProvisionLimited'")) >= 1)
    const rows = await sql<{ node: string | null; n: string }>('SELECT node, count(*) AS n FROM audit_log GROUP BY node ORDER BY node')
    t.same(rows.map((row) => row.node), [...names], 'rows by node-a and node-b, none without a node')
    t.ok(rows.every((row) => Number(row.n) > 50), 'each wrote many')
  })
})
