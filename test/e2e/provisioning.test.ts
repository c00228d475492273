// The whole mobile flow against the real server process: `npx agentxml` for the admin side,
// HTTP for the mobile client, the server's own log lines as evidence.
import t from 'tap'
import { mustRun } from './helpers/cli.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { downloadStrings, printedCode, provision, texts } from './helpers/protocol.js'
import { startServer, type LogRecord, type ServerProcess } from './helpers/server.js'

// many processes on a shared machine: more than the default 120 s per file, when it is busy
t.setTimeout(300_000)

// independent scenarios, each with its own folder and server
t.jobs = 3

const codeShape = /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{10}$/

async function newCode(user: string, db: string): Promise<string> {
  return printedCode((await mustRun(['reprovision', user, '--print-code'], { db })).stdoutLines)
}

/** Wait for the `n`th record that matches (log lines arrive on their own pipe, a moment after the reply). */
async function nthRecord(server: ServerProcess, n: number, match: (r: LogRecord) => boolean): Promise<LogRecord[]> {
  await server.waitFor(() => server.records().filter(match).length >= n)
  return server.records().filter(match)
}

t.test('user → code → device → 100 security strings; a new device replaces the old', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const server = await startServer(t, { db })
  await mustRun(['user', 'add', 'alice', '--pin', '2468', '--email', 'alice@example.com', '--transport', 'outbox'], { db })

  const code = await newCode('alice', db)
  t.match(code, codeShape, '--print-code prints a code of the unambiguous alphabet')
  const first = await provision(server.url, 'alice', code)
  t.same([first.result, first.error], ['PASS', undefined])
  t.match(first.id, /^[0-9a-f]{32}$/, 'the Id is 32 lowercase hex')
  await server.waitForRecord((r) => r.msg === texts.provisioned('alice') && r.event === 'provisioned')

  const strings = await downloadStrings(server.url, first.id ?? '')
  t.equal(strings.result, 'PASS')
  t.equal(strings.fields.length, 100, '100 ;-separated fields')
  t.ok(strings.fields.every((f) => /^\d{10}$/.test(f)), 'each field is 10 digits')
  await server.waitForRecord((r) => r.msg === texts.stringsFetched('alice'))

  // a second provision with a new code binds a new device; the old Id stops working
  const second = await provision(server.url, 'alice', await newCode('alice', db))
  t.equal(second.result, 'PASS')
  t.not(second.id, first.id, 'a new Id')
  t.equal((await downloadStrings(server.url, second.id ?? '')).fields.length, 100, 'the new Id downloads strings')
  const old = await downloadStrings(server.url, first.id ?? '')
  t.same([old.result, old.error], ['FAIL', 'AGENT_ERROR_NO_USER_FOUND'], 'the old Id is unknown now')
  const unknown = await server.waitForRecord((r) => r.msg === texts.unknownMobile)
  t.equal(unknown.level, 40, 'logged as a warning')
})

t.test('a reused code fails with PROVISION_FAILURE and the legacy log line', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const server = await startServer(t, { db })
  await mustRun(['user', 'add', 'bob', '--pin', '2468'], { db })
  const code = await newCode('bob', db)
  t.equal((await provision(server.url, 'bob', code)).result, 'PASS')

  const again = await provision(server.url, 'bob', code)
  t.same([again.result, again.error, again.id], ['FAIL', 'PROVISION_FAILURE', undefined])
  const [failed] = await nthRecord(server, 1, (r) => r.event === 'provisionFailed')
  t.equal(failed?.msg, texts.provisionFailed('bob'))
  t.equal(failed?.reason, 'no pending code', 'the reason is only in the log')
})

t.test('a wrong code fails and consumes the pending code', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const server = await startServer(t, { db })
  await mustRun(['user', 'add', 'carol', '--pin', '2468'], { db })
  const code = await newCode('carol', db)
  const wrong = code === 'ABCDEFGHJK' ? 'KJHGFEDCBA' : 'ABCDEFGHJK'

  const attempt = await provision(server.url, 'carol', wrong)
  t.same([attempt.result, attempt.error], ['FAIL', 'PROVISION_FAILURE'], 'the wrong code fails')
  const [failed] = await nthRecord(server, 1, (r) => r.event === 'provisionFailed')
  t.equal(failed?.msg, texts.provisionFailed('carol'))
  t.equal(failed?.reason, 'wrong code')

  const right = await provision(server.url, 'carol', code)
  t.same([right.result, right.error], ['FAIL', 'PROVISION_FAILURE'], 'the right code no longer works: the attempt used it up')
  const records = await nthRecord(server, 2, (r) => r.event === 'provisionFailed')
  t.equal(records[1]?.msg, texts.provisionFailed('carol'))
  t.equal(records[1]?.reason, 'no pending code')
  t.notOk(server.records().some((r) => r.event === 'provisioned'), 'no device was bound')
})

t.test('an expired code fails (validity set to 10 s with npx agentxml policy set)', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const server = await startServer(t, { db })
  await mustRun(['user', 'add', 'dave', '--pin', '2468'], { db })
  const set = await mustRun(['policy', 'set', 'provision-code-validity', '10'], { db })
  t.match(set.stdout, /provision-code-validity set to 10/)
  const code = await newCode('dave', db)
  await new Promise((resolve) => setTimeout(resolve, 11_000))

  const late = await provision(server.url, 'dave', code)
  t.same([late.result, late.error], ['FAIL', 'PROVISION_FAILURE'])
  const [failed] = await nthRecord(server, 1, (r) => r.event === 'provisionFailed')
  t.equal(failed?.msg, texts.provisionFailed('dave'))
  t.equal(failed?.reason, 'expired code')
})
