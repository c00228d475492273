import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { testEngine } from '../helpers/database.js'
import { mustRun, runCli as runCliVia, type CliOptions } from './helpers/cli.js'
import { tempDir } from './helpers/paths.js'

// The master key and the files at rest, as an operator meets them: a database made with one key
// refuses another and writes nothing; a lost key file is never silently replaced; a mistyped
// path makes nothing; what holds secrets is its owner's only, also when it was not before.

t.setTimeout(300_000)
const skip = testEngine !== 'sqlite' && 'SQLite: files beside the database (multi-node.test.ts checks keys on PostgreSQL)'
const runCli = (args: readonly string[], options: CliOptions = {}) => runCliVia(args, { ...options })
const digest = (file: string) => (existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'none')
const files = (db: string) => [db, `${db}-wal`].map(digest).join(' ')
const mode = (file: string) => statSync(file).mode & 0o777

t.test('another key is refused before anything is written', { skip }, async (t) => {
  const dir = await tempDir(t)
  const db = join(dir, 'data', 'agentxml.db')
  await mustRun(['init'], { db })
  await mustRun(['user', 'add', 'alice', '--pin', '2468'], { db })
  t.equal(mode(join(dir, 'data')), 0o700, 'the data folder is its owner only')
  t.equal(mode(join(dir, 'data', 'agentxml.key')), 0o600)
  const before = files(db)
  const other = 'ab'.repeat(32)
  for (const args of [['user', 'list'], ['user', 'add', 'bob'], ['serve', '--port', '0']]) {
    const refused = await runCli(args, { db, env: { AGENTXML_SECRET_KEY: other } })
    t.equal(refused.status, 1, args.join(' '))
    t.match(refused.stderr, /^agentxml: .*agentxml\.db was made with another master key: give the key it was made with .*\n$/)
  }
  t.equal(files(db), before, 'the database is byte for byte as it was')
  t.match((await mustRun(['user', 'list'], { db })).stdout, /^alice\b/m, 'and works with its own key')
})

t.test('a lost key file is refused, never replaced by a new one', { skip }, async (t) => {
  const dir = await tempDir(t)
  const db = join(dir, 'agentxml.db')
  await mustRun(['init'], { db })
  rmSync(join(dir, 'agentxml.key'))
  for (const args of [['user', 'list'], ['init'], ['serve', '--port', '0']]) {
    const refused = await runCli(args, { db })
    t.equal(refused.status, 1, args.join(' '))
    t.equal(refused.stderr, `agentxml: the key file ${join(dir, 'agentxml.key')} is missing: restore it (the database was made with it), or set AGENTXML_SECRET_KEY\n`)
  }
  t.notOk(existsSync(join(dir, 'agentxml.key')), 'no new key was made')
})

t.test('a path that names nothing makes nothing; a folder is not a database', { skip }, async (t) => {
  const dir = await tempDir(t)
  const nowhere = join(dir, 'no', 'such', 'x.db')
  const missing = await runCli(['user', 'list'], { db: nowhere })
  t.same([missing.status, missing.stderr], [1, `agentxml: no database at ${nowhere}: start the server once (agentxml serve), or run agentxml init, to create it\n`])
  t.notOk(existsSync(join(dir, 'no')), 'not even the folder')
  // a folder inside this test's own, so that a key beside it is this command's, not another's in the system's temporary folder
  const inner = join(dir, 'folder')
  mkdirSync(inner)
  const folder = await runCli(['user', 'list'], { db: inner })
  t.same([folder.status, folder.stderr], [1, `agentxml: ${inner} is a folder, not a database file\n`])
  t.notOk(existsSync(join(inner, 'agentxml.key')) || existsSync(join(dir, 'agentxml.key')), 'and no key beside it')
})

t.test('a database or outbox readable by others is made its owner only, with a warning', { skip }, async (t) => {
  const dir = await tempDir(t)
  const db = join(dir, 'agentxml.db')
  await mustRun(['init'], { db })
  await mustRun(['user', 'add', 'alice', '--pin', '2468'], { db })
  chmodSync(db, 0o644)
  const outbox = join(dir, 'outbox.jsonl')
  writeFileSync(outbox, '', { mode: 0o644 })
  chmodSync(outbox, 0o644)
  const warned = await mustRun(['reprovision', 'alice'], { db })
  t.match(warned.stderr, `${db} was readable by others (mode 644); it is now 600`)
  t.equal(mode(db), 0o600)
  t.equal(mode(outbox), 0o600, 'the outbox (it holds live codes) too')
  t.match(readFileSync(outbox, 'utf8'), /"user":"alice"/, 'and the message is in it')
})

