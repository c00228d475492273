// A node must share the master key of the database it joins: with another key, or none, it
// refuses to start, says so in one line and writes nothing. PostgreSQL only (SQLite makes its
// key file beside a new database; PostgreSQL never makes one).
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { runCli } from './helpers/cli.js'
import { addPortal, directServices, eventually, login, mobileUser, type Sql, skip, sqlOf, startNodes } from './helpers/nodes.js'
import { databaseIn, databaseEnv, tempDir } from './helpers/paths.js'
import { startServer } from './helpers/server.js'

t.setTimeout(300_000)

/** Every table's row count and a digest of its rows, and the meta table itself. */
async function dump(sql: Sql): Promise<Record<string, unknown>> {
  const tables = await sql<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")
  const out: Record<string, unknown> = {}
  for (const { name } of tables) {
    const [row] = await sql(`SELECT count(*) AS n, md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) AS digest FROM "${name}" r`)
    out[name] = row
  }
  out.meta_rows = await sql('SELECT key, value FROM meta ORDER BY key')
  return out
}

const newKeyFile = async (dir: string, name: string) => {
  const file = join(dir, name)
  await writeFile(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 })
  return file
}

t.test('a node with another key, or with none, refuses to start and writes nothing', { skip }, async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const sql = sqlOf(t, db)
  const services = await directServices(t, db)
  await addPortal(services)
  const [a] = await startNodes(t, db, ['node-a'])
  if (!a) throw new Error('node A')
  const user = await mobileUser(services, a.url, 'keyed')
  t.equal((await login(a.url, user.name, user.otc(1))).result, 'PASS', 'node A serves')
  // node A is idle once its audit rows are in: the dump stays still
  let before = await dump(sql)
  await eventually('the database is still', async () => {
    const now = await dump(sql)
    const still = JSON.stringify(now) === JSON.stringify(before)
    before = now
    return still
  })

  const otherKey = await newKeyFile(dir, 'other.key')
  const cases: [string, NodeJS.ProcessEnv, RegExp][] = [
    ['another key file', { AGENTXML_KEY_FILE: otherKey }, /^agentxml: PostgreSQL at 127\.0\.0\.1:\d+\/t_\w+ was made with another master key: give the key it was made with/],
    ['another AGENTXML_SECRET_KEY', { AGENTXML_SECRET_KEY: randomBytes(32).toString('hex') }, /was made with another master key/],
    ['no key at all', { AGENTXML_KEY_FILE: undefined }, /^agentxml: PostgreSQL needs the master key given: AGENTXML_SECRET_KEY, or --key-file FILE/],
  ]
  for (const [what, env, line] of cases) {
    const run = await runCli(['serve', '--port', '0', '--node-name', 'node-b'], { db, env })
    t.equal(run.status, 1, `${what}: exit status 1`)
    const lines = run.stderr.trim().split('\n')
    t.equal(lines.length, 1, `${what}: one line on stderr`)
    t.match(lines[0], line, `${what}: it says why`)
    t.notMatch(run.stdout, /listening/, `${what}: never listened`)
    if (env.AGENTXML_SECRET_KEY) t.notMatch(run.stderr + run.stdout, env.AGENTXML_SECRET_KEY, `${what}: the key is not shown`)
    t.same(await dump(sql), before, `${what}: every table as it was`)
  }
  t.equal((await login(a.url, user.name, user.otc(2))).result, 'PASS', 'node A serves on')
})

t.test('two nodes with different keys starting at once on a new database: one starts, the other refuses', { skip }, async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const keys = [databaseEnv(db).AGENTXML_KEY_FILE, await newKeyFile(dir, 'other.key')]
  const started = await Promise.allSettled(
    keys.map((key, i) => startServer(t, { db, args: ['--node-name', `node-${i}`], env: { AGENTXML_KEY_FILE: key }, startTimeoutMs: 60_000 })),
  )
  t.equal(started.filter((s) => s.status === 'fulfilled').length, 1, 'one node is up')
  const refused = started.find((s) => s.status === 'rejected')
  t.match(String(refused?.reason), /exited \(1\)[\s\S]*was made with another master key/, 'the other exited 1, saying why')
  const meta = await sqlOf(t, db)("SELECT key FROM meta WHERE key = 'key-check'")
  t.same(meta, [{ key: 'key-check' }], 'one key check recorded')
})
