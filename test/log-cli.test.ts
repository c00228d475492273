import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openDatabase } from '../src/db/index.js'
import type { NewAuditEntry } from '../src/db/schema/index.js'

// child processes are slow on a busy machine: more than tap's default per file
t.setTimeout(600_000)

const cli = join(process.cwd(), 'dist/cli/index.js')
const hour = 3_600_000
const day = 24 * hour

function setup(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-log-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const db = join(dir, 'agentxml.db')
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'log', ...args, '--db', db], { encoding: 'utf8' })
  return { dir, db, run }
}

async function seed(file: string, rows: readonly NewAuditEntry[]) {
  // made as an administrator would (init: the database and its key file), then filled directly
  spawnSync(process.execPath, [cli, 'init', '--db', file], { encoding: 'utf8' })
  const { db, store } = await openDatabase(file)
  try {
    // a few rows a statement: one transaction each, not one per row
    for (let i = 0; i < rows.length; i += 500) await db.insertInto('audit_log').values(rows.slice(i, i + 500)).execute()
  } finally {
    await store.close()
  }
}

// real times: the command measures "24h" from the clock
const now = Date.now()
const rows: NewAuditEntry[] = [
  { time: now - 10 * day, event: 'loginOk', message: 'Login successful for user: alice.', user_name: 'alice', source: '10.0.0.1', outcome: 'success' },
  { time: now - 2 * day, event: 'loginFailed', message: 'Login failed for user: alice, error: Invalid OTC', user_name: 'alice', source: '10.0.0.1', outcome: 'failure', detail: 'wrong code' },
  { time: now - 3 * hour, event: 'userUnlocked', message: 'User "alice" unlocked', user_name: 'alice', actor: 'root', actor_type: 'admin', source: '192.0.2.7', outcome: 'success' },
  { time: now - hour, event: 'agentRefused', message: 'AgentXML request failed, error: The agent is not authorised to access the server.', source: '2001:db8::9', outcome: 'failure' },
]

t.test('text: aligned columns with readable event names, newest first', async (t) => {
  const { db, run } = setup(t)
  await seed(db, rows)
  const result = run()
  t.equal(result.status, 0, result.stderr)
  t.equal(result.stderr, '')
  const lines = result.stdout.trimEnd().split('\n')
  t.match(lines[0], /^TIME \(UTC\) +EVENT +OUTCOME +USER +BY +SOURCE +MESSAGE$/)
  t.equal(lines.length, 5)
  t.match(lines[1], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}Agent refused {2,}failure {2}- +- +2001:db8::9 +AgentXML request failed/)
  t.match(lines[2], /User unlocked +success +alice +admin root +192\.0\.2\.7 +User "alice" unlocked$/)
  t.match(lines[3], /Login failed .* Login failed for user: alice, error: Invalid OTC \(wrong code\)$/, 'the reason follows the text')
  t.match(lines[4], /Login successful/)
  // every column starts where its heading does
  const header = lines[0] ?? ''
  for (const heading of ['EVENT', 'OUTCOME', 'USER', 'BY', 'SOURCE', 'MESSAGE']) {
    const start = header.indexOf(heading)
    for (const line of lines.slice(1)) t.match(line.slice(start - 2, start), /^ {2}$/, `${heading} column aligned`)
  }
})

t.test('json: one object a line with every field', async (t) => {
  const { db, run } = setup(t)
  await seed(db, rows)
  const result = run('--format', 'json', '--limit', '2')
  t.equal(result.status, 0, result.stderr)
  const objects = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
  t.equal(objects.length, 2, '--limit')
  t.same(objects[1], {
    id: 3,
    time: new Date(now - 3 * hour).toISOString(),
    event: 'userUnlocked',
    eventName: 'User unlocked',
    outcome: 'success',
    user: 'alice',
    actor: 'root',
    actorType: 'admin',
    source: '192.0.2.7',
    message: 'User "alice" unlocked',
    detail: null,
    node: null,
  })
})

t.test('filters: user, event by id or name, outcome, source, since and until', async (t) => {
  const { db, run } = setup(t)
  await seed(db, rows)
  const events = (...args: string[]) => {
    const result = run('--format', 'json', ...args)
    t.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`)
    return result.stdout.trimEnd().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { event: string }).event)
  }
  t.same(events('--user', 'alice'), ['userUnlocked', 'loginFailed', 'loginOk'])
  t.same(events('--user', 'root'), ['userUnlocked'], 'the actor too')
  t.same(events('--event', 'loginFailed'), ['loginFailed'])
  t.same(events('--event', 'login failed'), ['loginFailed'], 'or its name')
  t.same(events('--outcome', 'failure'), ['agentRefused', 'loginFailed'])
  t.same(events('--source', '10.0.0.1'), ['loginFailed', 'loginOk'])
  t.same(events('--since', '24h'), ['agentRefused', 'userUnlocked'])
  t.same(events('--since', '7d', '--until', '24h'), ['loginFailed'])
  t.same(events('--until', new Date(now - 5 * day).toISOString()), ['loginOk'])
  t.same(events('--until', new Date(now - 11 * day).toISOString().slice(0, 10)), [], 'a day long before')
  t.same(events('--user', 'nobody'), [])
  const empty = run('--user', 'nobody')
  t.equal(empty.stdout, 'TIME (UTC)  EVENT  OUTCOME  USER  BY  SOURCE  MESSAGE\n', 'no entries: the heading only')
})

t.test('bad input: one line saying where the usage is, exit 2, and no database is created', async (t) => {
  const { db, run } = setup(t)
  const cases: [string[], string][] = [
    [['--since', 'yesterday'], 'agentxml: --since: "yesterday" is not a time: use a date (2026-11-28)'],
    [['--until', '2026-02-30'], 'agentxml: --until: "2026-02-30" is not a time'],
    [['--outcome', 'maybe'], 'agentxml: --outcome: the outcome is success or failure, not "maybe"'],
    [['--since', '2026-11-28', '--until', '2026-11-01'], 'agentxml: --until: the end of the period must be after its start'],
    [['--format', 'xml'], 'agentxml: --format is text or json, not "xml"'],
    [['--limit', '0'], 'agentxml: --limit must be a positive number, not "0"'],
    [['--limit', 'ten'], 'agentxml: --limit must be a positive number, not "ten"'],
    [['alice'], 'agentxml: unexpected argument "alice"'],
    [['--colour'], 'agentxml: unknown option --colour'],
  ]
  for (const [args, line] of cases) {
    const result = run(...args)
    t.equal(result.status, 2, args.join(' '))
    t.equal(result.stderr.split('\n')[0]?.slice(0, line.length), line)
    t.match(result.stderr, /; try agentxml log --help\n$/, 'one line, ending with where the usage is')
    t.equal(result.stderr.split('\n').length, 2, 'exactly one line')
    t.notMatch(result.stderr, /\bat .*\.js:\d+/, 'no stack trace')
  }
  t.notOk(existsSync(db), 'nothing was opened')
  const help = spawnSync(process.execPath, [cli, 'help', 'log'], { encoding: 'utf8' })
  t.match(help.stdout, 'Usage: agentxml log [--user NAME] [--event E] [--outcome success|failure] [--source ADDR]')
})

t.test('a reader that stops early (| head) ends the command quietly', async (t) => {
  const { db } = setup(t)
  await seed(db, Array.from({ length: 3000 }, (_, i) => ({ time: now - i, event: 'tokenIndex', message: `Token index request for user: u${i}`, outcome: 'success' as const })))
  const piped = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${cli}" log --format json --limit 3000 --db "${db}" | head -n 1`], { encoding: 'utf8' })
  t.equal(piped.status, 0)
  t.match(piped.stdout, /^\{"id":1,.*"message":"Token index request for user: u0"/, 'the newest')
  t.equal(piped.stderr, '', 'no error, no stack trace')
})
