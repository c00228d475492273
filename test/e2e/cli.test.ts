// The `agentxml` command as docs/operations.md describes it. The first test runs it as `npx agentxml ...`
// from the checkout, as the guide does; the others run the compiled file npx runs, directly, to spare
// npm's start-up (about a second of CPU a call) on a shared machine.
import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { testEngine } from '../helpers/database.js'
import { type CliOptions, mustRun as mustRunVia, runCli as runCliVia } from './helpers/cli.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { startServer } from './helpers/server.js'

// many processes on a shared machine: more than the default 120 s per file, when it is busy
t.setTimeout(300_000)

t.jobs = 4

const runCli = (args: readonly string[], options: CliOptions = {}) => runCliVia(args, { ...options })
const mustRun = (args: readonly string[], options: CliOptions = {}) => mustRunVia(args, { ...options })

/** Exit 1 and exactly one line `agentxml: ...` on stderr: no stack trace, no usage. */
function assertOneLineError(t: Test, result: { status: number | null; stderr: string }, line: string | RegExp) {
  t.equal(result.status, 1, 'exit status 1')
  t.equal(result.stderr.split('\n').length, 2, 'one line on stderr')
  t.match(result.stderr, /^agentxml: .+\n$/)
  if (typeof line === 'string') t.equal(result.stderr, `agentxml: ${line}\n`)
  else t.match(result.stderr, line)
  t.notMatch(result.stderr, /\bat .+:\d+:\d+|Error:/, 'no stack trace')
}

t.test('through npx: errors, usage errors and --print-code reach the caller unchanged', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const npx = { db, via: 'npx' } as const
  await mustRun(['user', 'add', 'alice', '--pin', '2468'], npx)
  assertOneLineError(t, await runCli(['user', 'show', 'nobody'], npx), 'user "nobody" not found')
  const usage = await runCli(['user', 'frob'], npx)
  t.equal(usage.status, 2, 'a usage error exits 2')
  t.equal(usage.stderr, 'agentxml: unknown user command "frob"; try agentxml user --help\n', 'one line: why, and where the usage is')
  const printed = await mustRun(['reprovision', 'alice', '--print-code'], npx)
  t.match(printed.stdout, /\n[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10}\n$/, 'the code alone on the last line')
})

t.test('errors a user can cause: exit 1 and one line', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  await mustRun(['user', 'add', 'alice', '--pin', '2468'], { db })
  assertOneLineError(t, await runCli(['user', 'show', 'nobody'], { db }), 'user "nobody" not found')
  assertOneLineError(t, await runCli(['reprovision', 'nobody', '--print-code'], { db }), 'user "nobody" not found')
  assertOneLineError(t, await runCli(['user', 'add', 'alice'], { db }), 'user "alice" already exists')
  assertOneLineError(t, await runCli(['agent', 'add', 'vpn', '--secret', 'short'], { db }), /secret/)
  assertOneLineError(t, await runCli(['serve', '--port', '0', '--log-format', 'xml'], { db }), 'log format must be json or pinsafe, not "xml"')
})

t.test('a port in use: exit 1 and one line', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const server = await startServer(t, { db })
  const port = new URL(server.url).port
  const result = await runCli(['serve', '--port', port], { db: await databaseIn(t, await tempDir(t)) })
  assertOneLineError(t, result, `cannot listen on 127.0.0.1:${port}: the address is in use`)
})

t.test('policy set refuses values outside the range and changes nothing', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const validity = async () => /^provision-code-validity\s+(\S+)/m.exec((await mustRun(['policy', 'show'], { db })).stdout)?.[1]
  t.equal(await validity(), '600', 'the default')
  for (const value of ['5', '2000000', 'ten', '']) {
    const result = await runCli(['policy', 'set', 'provision-code-validity', value], { db })
    if (value === '') {
      t.equal(result.status, 2, 'a missing value is a usage error')
      continue
    }
    assertOneLineError(t, result, /^agentxml: Provision Code Validity period \(seconds\) must be 10-1000000, not "/)
  }
  assertOneLineError(t, await runCli(['policy', 'set', 'no-such-policy', '1'], { db }), /^agentxml: unknown policy "no-such-policy"/)
  t.equal(await validity(), '600', 'still 600')
  await mustRun(['policy', 'set', 'provision-code-validity', '1000000'], { db })
  t.equal(await validity(), '1000000', 'the top of the range is allowed')
})

t.test('usage errors: exit 2 and one line, the reason and where the usage is', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  for (const args of [['frobnicate'], ['user', 'add'], ['user', 'add', 'bob', '--bogus'], ['user', 'frob'], ['policy', 'set', 'max-login-tries']]) {
    const result = await runCli(args, { db })
    t.equal(result.status, 2, `agentxml ${args.join(' ')}: exit status 2`)
    t.match(result.stderr, /^agentxml: [^\n]+; try agentxml ([a-z]+ )?--help\n$/, 'one line: the reason, then where the usage is')
  }
  const bare = await runCli([])
  t.equal(bare.status, 2, 'agentxml alone: exit status 2')
  t.match(bare.stdout, /^Usage: agentxml <command>/, 'and the list of commands')
})

t.test('--print-code prints the code alone as the last line and queues nothing', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  await mustRun(['user', 'add', 'alice', '--pin', '2468', '--email', 'alice@example.com', '--transport', 'outbox'], { db })
  const printed = await mustRun(['reprovision', 'alice', '--print-code'], { db })
  t.match(printed.stdout, /\n[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10}\n$/, 'the last line is the code, alone')
  t.same(printed.stdoutLines.slice(0, -1), ['Provision code created for user "alice"', 'User "alice" can now reprovision their mobile device.'])
  t.notOk(existsSync(join(dir, 'outbox.jsonl')), 'no message was queued or delivered')

  // without --print-code the code goes to the outbox and is not printed
  const sent = await mustRun(['reprovision', 'alice'], { db })
  const outbox = JSON.parse(await readFile(join(dir, 'outbox.jsonl'), 'utf8')) as { body: string }
  const code = /\b([A-Z2-9]{10})\b/.exec(outbox.body)?.[1] ?? ''
  t.ok(code, 'the outbox holds the code')
  t.notMatch(sent.stdout + sent.stderr, code, 'the command did not print it')
  t.match(sent.stdout, /Message sent to user: alice, destination: alice@example\.com\./)
})

t.test('AGENTXML_DB is honoured; init makes the database and a key file of mode 0600; other commands make none', { skip: testEngine !== 'sqlite' && 'SQLite: the files beside the database' }, async (t) => {
  const dir = await tempDir(t)
  const db = join(dir, 'nested', 'from-env.db')
  const missing = await runCli(['user', 'add', 'carol'], { env: { AGENTXML_DB: db } })
  t.same([missing.status, missing.stderr], [1, `agentxml: no database at ${db}: start the server once (agentxml serve), or run agentxml init, to create it\n`])
  t.notOk(existsSync(join(dir, 'nested')), 'nothing was made: not the folder, not a key')
  await mustRun(['init'], { env: { AGENTXML_DB: db } })
  await mustRun(['user', 'add', 'carol', '--pin', '2468'], { env: { AGENTXML_DB: db } })
  t.ok(existsSync(db), 'the database is where AGENTXML_DB says (its folder created)')
  t.match((await mustRun(['user', 'list'], { db })).stdout, /^carol\b/m, 'and holds the user')
  const key = await stat(join(dir, 'nested', 'agentxml.key'))
  t.equal(key.mode & 0o777, 0o600, 'the key file beside it is mode 0600')
  t.match(await readFile(join(dir, 'nested', 'agentxml.key'), 'utf8'), /^[0-9a-f]{64}\n$/)
  const flagWins = await databaseIn(t, dir)
  await mustRun(['user', 'add', 'dave', '--pin', '2468'], { db: flagWins, env: { AGENTXML_DB: db } })
  t.notMatch((await mustRun(['user', 'list'], { db })).stdout, /dave/, '--db wins over AGENTXML_DB')
})
