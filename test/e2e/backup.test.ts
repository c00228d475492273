// `agentxml backup` while the real server serves writes, and `agentxml restore` into a fresh
// folder: the restored database holds the users and the device, and with the same key a login
// with the next one-time code of the reference mobile client works against a server on it.
import { copyFileSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import t from 'tap'
import { testEngine } from '../helpers/database.js'
import { mustRun, runCli } from './helpers/cli.js'
import { postXml } from './helpers/http.js'
import { tempDir } from './helpers/paths.js'
import { printedCode } from './helpers/protocol.js'
import { startServer } from './helpers/server.js'
import { element } from './helpers/xml.js'

t.setTimeout(300_000)

const secret = 'portal-secret-123'
const node = { via: 'node' } as const

async function login(url: string, user: string, otc: string): Promise<string | undefined> {
  const body = `<SASRequest><Version>3.6</Version><Secret>${secret}</Secret><Action>login</Action><Username>${user}</Username><OTC>${otc}</OTC></SASRequest>`
  return element((await postXml(url, body)).body, 'Result')
}

/** Users added over AdminXML, one after the other, each with a sealed PIN, until `stop()`. */
function keepWriting(url: string) {
  let created = 0
  let running = true
  const done = (async () => {
    while (running) {
      const xml = `<AdminRequest secret="${secret}" version="3.6"><Create><User name="load-${created}"><PIN>2468</PIN></User></Create></AdminRequest>`
      const reply = await postXml(url, xml, '/pinsafe/AdminXML')
      if (!reply.body.includes('<Result>PASS</Result>')) throw new Error(`Create failed: ${reply.body}`)
      created += 1
    }
  })()
  return {
    created: () => created,
    stop: async () => {
      running = false
      await done
      return created
    },
  }
}

const userNames = async (db: string) =>
  (await mustRun(['user', 'list'], { db, ...node })).stdoutLines.slice(1).map((line) => line.split(/\s+/)[0] ?? '')

// backup and restore are SQLite's (a PostgreSQL database is backed up with its own tools)
const skip = testEngine !== 'sqlite' && 'SQLite only: backup and restore copy the SQLite file'

t.test('a backup taken while the server writes restores into a fresh folder and works with the same key', { skip }, async (t) => {
  const dir = await tempDir(t)
  const live = join(dir, 'live', 'agentxml.db')
  const state = join(dir, 'mobile.json')
  const server = await startServer(t, { db: live })
  await mustRun(['agent', 'add', 'portal', '--secret', secret, '--admin'], { db: live, ...node })
  await mustRun(['user', 'add', 'alice', '--pin', '2468'], { db: live, ...node })
  const code = printedCode((await mustRun(['reprovision', 'alice', '--print-code'], { db: live, ...node })).stdoutLines)
  await mustRun(['mobile', 'provision', '--server', server.url, '--user', 'alice', '--code', code, '--state', state], node)
  const otc = async () => (await mustRun(['mobile', 'otc', '--state', state], { ...node, env: { AGENTXML_PIN: '2468' } })).stdoutLines[0] ?? ''
  t.equal(await login(server.url, 'alice', await otc()), 'PASS', 'a login works before the backup')

  const load = keepWriting(server.url)
  while (load.created() < 5) await new Promise((resolve) => setTimeout(resolve, 20))
  const before = load.created()
  const backupFile = join(dir, 'backups', 'agentxml.backup')
  mkdirSync(join(dir, 'backups'))
  const made = await mustRun(['backup', backupFile], { db: live, ...node })
  const during = load.created()
  await load.stop()
  t.ok(during > before, `the server kept writing during the backup (${before} → ${during} users)`)
  t.match(made.stdout, `backed up to ${backupFile} (mode 0600)`)
  t.match(made.stdout, `The key is not in the backup: keep a copy of ${join(dir, 'live', 'agentxml.key')} apart from it`)
  t.equal(statSync(backupFile).mode & 0o777, 0o600, 'the backup is readable by its owner only')
  t.notOk(existsSync(`${backupFile}-wal`) || existsSync(`${backupFile}-journal`), 'one self-contained file')

  const again = await runCli(['backup', backupFile], { db: live, ...node })
  t.same([again.status, again.stderr], [1, `agentxml: ${backupFile} exists; --force replaces it\n`])
  const inUse = await runCli(['restore', backupFile], { db: live, ...node })
  t.same([inUse.status, inUse.stderr], [1, `agentxml: ${live} is in use (a running server or command has it open); stop the server first\n`], 'the running server\'s database is not replaced')

  // a fresh folder with the key kept apart from the backup
  const restored = join(dir, 'restored', 'agentxml.db')
  mkdirSync(join(dir, 'restored'), { mode: 0o700 })
  copyFileSync(join(dir, 'live', 'agentxml.key'), join(dir, 'restored', 'agentxml.key'))
  const put = await mustRun(['restore', backupFile], { db: restored, ...node })
  t.match(put.stdout, `Backup ${backupFile} restored to ${restored}.`)
  t.match(put.stdout, `The key ${join(dir, 'restored', 'agentxml.key')} opens its PINs.`)
  t.equal(statSync(restored).mode & 0o777, 0o600)

  const names = await userNames(restored)
  t.ok(names.includes('alice'), 'alice is there')
  const loadUsers = names.filter((name) => name.startsWith('load-')).length
  t.ok(loadUsers >= before && loadUsers <= during, `the users written up to the backup (${loadUsers}, between ${before} and ${during})`)
  t.match((await mustRun(['user', 'show', 'alice'], { db: restored, ...node })).stdout, /^device +bound /m, "alice's device is there")

  await server.stop()
  const second = await startServer(t, { db: restored })
  t.equal(await login(second.url, 'alice', await otc()), 'PASS', 'the next one-time code logs in against the restored database')
  t.equal(await login(second.url, 'alice', '0000000'), 'FAIL', 'and a wrong one does not')
})

t.test('restore refuses what it cannot restore safely', { skip }, async (t) => {
  const dir = await tempDir(t)
  const live = join(dir, 'live', 'agentxml.db')
  await mustRun(['init'], { db: live, ...node })
  await mustRun(['user', 'add', 'alice', '--pin', '2468'], { db: live, ...node })
  const backupFile = join(dir, 'agentxml.backup')
  await mustRun(['backup', backupFile], { db: live, ...node })

  // another key beside the target: every sealed value would be unreadable
  const other = join(dir, 'other', 'agentxml.db')
  mkdirSync(join(dir, 'other'))
  writeFileSync(join(dir, 'other', 'agentxml.key'), `${'ab'.repeat(32)}\n`, { mode: 0o600 })
  const wrongKey = await runCli(['restore', backupFile], { db: other, ...node })
  t.equal(wrongKey.status, 1)
  t.match(wrongKey.stderr, /^agentxml: the key .*other\/agentxml\.key does not open the PINs in .*: put the key the backup was made with there first \(--force restores anyway\)\n$/)
  t.notOk(existsSync(other), 'nothing was restored')
  const forced = await mustRun(['restore', backupFile, '--force'], { db: other, ...node })
  t.match(forced.stdout, 'does NOT open its PINs', '--force restores, and says what that means')

  // no key yet: restored, with the warning that a key made now opens nothing
  const bare = join(dir, 'bare', 'agentxml.db')
  const noKey = await mustRun(['restore', backupFile], { db: bare, ...node })
  t.match(noKey.stdout, `There is no key for it yet: put the key the backup was made with at ${join(dir, 'bare', 'agentxml.key')}`)
  t.notOk(existsSync(join(dir, 'bare', 'agentxml.key')), 'restore never makes a key')

  // an SQLite file that is not agentxml's, and a target that is not a database, are left alone
  const foreign = join(dir, 'foreign.db')
  const sqlite = new SQLite(foreign)
  sqlite.exec('CREATE TABLE notes (text TEXT)')
  sqlite.close()
  for (const args of [['backup', join(dir, 'x.backup')], ['restore', backupFile]]) {
    const notOurs = await runCli(args, { db: foreign, ...node })
    t.same([notOurs.status, notOurs.stderr], [1, `agentxml: ${foreign} is an SQLite database, but not an agentxml one\n`], `${args[0]} leaves another program's database alone`)
  }
  const notABackup = await runCli(['restore', foreign], { db: join(dir, 'fresh', 'agentxml.db'), ...node })
  t.same([notABackup.status, notABackup.stderr], [1, `agentxml: ${foreign} is an SQLite database, but not an agentxml one\n`], 'nor restores it')
  const passwd = join(dir, 'passwd')
  writeFileSync(passwd, 'root:x:0:0::/root:/bin/sh\n')
  const overPasswd = await runCli(['restore', backupFile, '--db', passwd], node)
  t.same([overPasswd.status, overPasswd.stderr], [1, `agentxml: ${passwd} is not a database (not an SQLite file)\n`])
})
