// Races against the real server: one code, many provisions at once; the server and the command
// writing one database at the same time.
import t from 'tap'
import { mustRun, runCli } from './helpers/cli.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { downloadStrings, printedCode, provision } from './helpers/protocol.js'
import { startServer } from './helpers/server.js'

// many processes on a shared machine: more than the default 120 s per file, when it is busy
t.setTimeout(300_000)

t.jobs = 3

async function codeFor(user: string, db: string) {
  return printedCode((await mustRun(['reprovision', user, '--print-code'], { db })).stdoutLines)
}

t.test('50 concurrent provisions with the same valid code: exactly one PASS', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const server = await startServer(t, { db })
  await mustRun(['user', 'add', 'alice', '--pin', '2468'], { db })
  const code = await codeFor('alice', db)
  const results = await Promise.all(Array.from({ length: 50 }, () => provision(server.url, 'alice', code)))
  const passes = results.filter((r) => r.result === 'PASS')
  t.equal(passes.length, 1, 'one PASS')
  t.equal(results.filter((r) => r.error === 'PROVISION_FAILURE').length, 49, '49 PROVISION_FAILURE')
  t.equal((await downloadStrings(server.url, passes[0]?.id ?? '')).fields.length, 100, 'the winner’s Id works')
})

t.test('50 concurrent provisions split over two server processes on one database: exactly one PASS', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const servers = await Promise.all([startServer(t, { db }), startServer(t, { db })])
  await mustRun(['user', 'add', 'bob', '--pin', '2468'], { db })
  const code = await codeFor('bob', db)
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => provision(servers[i % 2]?.url ?? '', 'bob', code)))
  t.equal(results.filter((r) => r.result === 'PASS').length, 1, 'one PASS across both processes')
  t.equal(results.filter((r) => r.error === 'PROVISION_FAILURE').length, 49)
  for (const server of servers) t.same(server.records().filter((r) => r.level >= 50), [], 'no internal error (no SQLITE_BUSY)')
})

t.test('20 reprovision commands while the server serves provisions and downloads on the same file', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const server = await startServer(t, { db })
  const users = Array.from({ length: 20 }, (_, i) => `user${String(i + 1).padStart(2, '0')}`)
  await Promise.all(['busy', ...users].map((name) => mustRun(['user', 'add', name, '--pin', '2468'], { db })))
  const busy = await provision(server.url, 'busy', await codeFor('busy', db))
  t.equal(busy.result, 'PASS')

  // the server writes all along: each download replaces the device's batch in a transaction
  let stop = false
  const downloads: { result: string; at: number }[] = []
  const background = (async () => {
    while (!stop) downloads.push({ result: (await downloadStrings(server.url, busy.id ?? '')).result ?? 'none', at: performance.now() })
  })()
  // all 20 commands at once (run as the compiled command directly: npm's start-up would only add time)
  const commandsStarted = performance.now()
  const outcomes = await Promise.all(
    users.map(async (name) => {
      const command = await runCli(['reprovision', name, '--print-code'], { db })
      const reply = command.status === 0 ? await provision(server.url, name, printedCode(command.stdoutLines)) : undefined
      return { name, status: command.status, stderr: command.stderr, result: reply?.result }
    }),
  )
  const commandsDone = performance.now()
  stop = true
  await background

  t.same(outcomes.filter((o) => o.status !== 0 || o.result !== 'PASS'), [], 'every command succeeded and its code provisioned')
  // how many depends on the machine (20 commands at once share its cores with the server)
  const meanwhile = downloads.filter((d) => d.at > commandsStarted && d.at < commandsDone).length
  t.ok(meanwhile >= 1, `the server kept writing while the commands ran (${meanwhile} of ${downloads.length} downloads finished meanwhile)`)
  t.same(downloads.filter((d) => d.result !== 'PASS'), [], 'every download passed')
  t.same(server.records().filter((r) => r.level >= 50), [], 'no internal error in the server')
  t.notMatch(server.output(), /SQLITE_BUSY|database is locked/i)
})
