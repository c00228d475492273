// `agentxml backup` while the real server serves writes, and `agentxml restore` into a fresh
// folder: the restored database holds the users and the device, and with the same key a login
// with the next one-time code of the reference mobile client works against a server on it.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
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
  (await mustRun(['user', 'list'], { db })).stdoutLines.slice(1).map((line) => line.split(/\s+/)[0] ?? '')

// backup and restore are SQLite's (a PostgreSQL database is backed up with its own tools)
const skip = testEngine !== 'sqlite' && 'SQLite only: backup and restore copy the SQLite file'

t.test('a backup taken while the server writes restores into a fresh folder and works with the same key', { skip }, async (t) => {
  const dir = await tempDir(t)
  const live = join(dir, 'live', 'agentxml.db')
  const state = join(dir, 'mobile.json')
  const server = await startServer(t, { db: live })
  await mustRun(['agent', 'add', 'portal', '--secret', secret, '--admin'], { db: live })
  await mustRun(['user', 'add', 'alice', '--pin', '2468'], { db: live })
  const code = printedCode((await mustRun(['reprovision', 'alice', '--print-code'], { db: live })).stdoutLines)
  await mustRun(['mobile', 'provision', '--server', server.url, '--user', 'alice', '--code', code, '--state', state])
  const otc = async () => (await mustRun(['mobile', 'otc', '--state', state], { env: { AGENTXML_PIN: '2468' } })).stdoutLines[0] ?? ''
  t.equal(await login(server.url, 'alice', await otc()), 'PASS', 'a login works before the backup')

  const load = keepWriting(server.url)
  while (load.created() < 5) await new Promise((resolve) => setTimeout(resolve, 20))
  const before = load.created()
  const backupFile = join(dir, 'backups', 'agentxml.backup')
  mkdirSync(join(dir, 'backups'))
  const made = await mustRun(['backup', backupFile], { db: live })
  const during = load.created()
  await load.stop()
  t.ok(during > before, `the server kept writing during the backup (${before} → ${during} users)`)
  t.match(made.stdout, `backed up to ${backupFile} (mode 0600)`)
  t.match(made.stdout, `The key is not in the backup: keep a copy of ${join(dir, 'live', 'agentxml.key')} apart from it`)
  t.equal(statSync(backupFile).mode & 0o777, 0o600, 'the backup is readable by its owner only')
  t.notOk(existsSync(`${backupFile}-wal`) || existsSync(`${backupFile}-journal`), 'one self-contained file')

  const again = await runCli(['backup', backupFile], { db: live })
  t.same([again.status, again.stderr], [1, `agentxml: ${backupFile} exists; --force replaces it\n`])
  const inUse = await runCli(['restore', backupFile], { db: live })
  t.same([inUse.status, inUse.stderr], [1, `agentxml: ${live} is in use (a running server or command has it open); stop the server first\n`], 'the running server\'s database is not replaced')

  // a fresh folder with the key kept apart from the backup
  const restored = join(dir, 'restored', 'agentxml.db')
  mkdirSync(join(dir, 'restored'), { mode: 0o700 })
  copyFileSync(join(dir, 'live', 'agentxml.key'), join(dir, 'restored', 'agentxml.key'))
  const put = await mustRun(['restore', backupFile], { db: restored })
  t.equal(put.stdout, `Backup ${backupFile} restored to ${restored}; its seal matches the key ${join(dir, 'restored', 'agentxml.key')}.\n`)
  t.equal(statSync(restored).mode & 0o777, 0o600)

  const names = await userNames(restored)
  t.ok(names.includes('alice'), 'alice is there')
  const loadUsers = names.filter((name) => name.startsWith('load-')).length
  t.ok(loadUsers >= before && loadUsers <= during, `the users written up to the backup (${loadUsers}, between ${before} and ${during})`)
  t.match((await mustRun(['user', 'show', 'alice'], { db: restored })).stdout, /^device +bound /m, "alice's device is there")

  await server.stop()
  const second = await startServer(t, { db: restored })
  t.equal(await login(second.url, 'alice', await otc()), 'PASS', 'the next one-time code logs in against the restored database')
  t.equal(await login(second.url, 'alice', '0000000'), 'FAIL', 'and a wrong one does not')
})

t.test('restore refuses what it cannot restore safely', { skip }, async (t) => {
  const dir = await tempDir(t)
  const live = join(dir, 'live', 'agentxml.db')
  await mustRun(['init'], { db: live })
  await mustRun(['user', 'add', 'alice', '--pin', '2468'], { db: live })
  const backupFile = join(dir, 'agentxml.backup')
  await mustRun(['backup', backupFile], { db: live })

  // another key beside the target: the seal does not match, and --force does not change that
  const other = join(dir, 'other', 'agentxml.db')
  mkdirSync(join(dir, 'other'))
  writeFileSync(join(dir, 'other', 'agentxml.key'), `${'ab'.repeat(32)}\n`, { mode: 0o600 })
  for (const extra of [[], ['--force']]) {
    const wrongKey = await runCli(['restore', backupFile, ...extra], { db: other })
    t.equal(wrongKey.status, 1)
    t.match(wrongKey.stderr, /^agentxml: the seal of .*agentxml\.backup does not match the key .*other\/agentxml\.key: it was made with another key, or changed after it was made; refused\n$/)
    t.notOk(existsSync(other), `${extra.join(' ') || 'plain'}: nothing was restored`)
  }

  // no key yet: the seal cannot be checked, so nothing is restored and no key is made
  const bare = join(dir, 'bare', 'agentxml.db')
  const noKey = await runCli(['restore', backupFile], { db: bare })
  t.same([noKey.status, noKey.stderr], [1, `agentxml: restore checks the seal of ${backupFile} with the key it was made with: put that key at ${join(dir, 'bare', 'agentxml.key')} (or in AGENTXML_SECRET_KEY) first\n`])
  t.notOk(existsSync(bare), 'nothing was restored')
  t.notOk(existsSync(join(dir, 'bare', 'agentxml.key')), 'restore never makes a key')

  // the backup file alone, changed by someone without the key: an administrator added, or a
  // trigger that clears every lockout; with the right key beside the target, both are refused
  const target = join(dir, 'target', 'agentxml.db')
  mkdirSync(join(dir, 'target'))
  copyFileSync(join(dir, 'live', 'agentxml.key'), join(dir, 'target', 'agentxml.key'))
  const tampered = (name: string, change: (db: SQLite.Database) => void) => {
    const file = join(dir, name)
    copyFileSync(backupFile, file)
    const db = new SQLite(file)
    change(db)
    db.close()
    return file
  }
  const withAdmin = tampered('admin.backup', (db) => db.prepare("INSERT INTO admins (name, password_hash, created_at) VALUES ('mallory', 'x', 0)").run())
  const refusedAdmin = await runCli(['restore', withAdmin], { db: target })
  t.same([refusedAdmin.status, refusedAdmin.stderr], [1, `agentxml: the seal of ${withAdmin} does not match the key ${join(dir, 'target', 'agentxml.key')}: it was made with another key, or changed after it was made; refused\n`], 'an inserted administrator: refused')
  const withTrigger = tampered('trigger.backup', (db) => db.exec('CREATE TRIGGER never_locked AFTER UPDATE OF locked_at ON users BEGIN UPDATE users SET locked_at = NULL, failed_logins = 0 WHERE id = NEW.id; END'))
  const refusedTrigger = await runCli(['restore', withTrigger], { db: target })
  t.same([refusedTrigger.status, refusedTrigger.stderr], [1, `agentxml: ${withTrigger} holds a trigger "never_locked" that agentxml's migrations do not make: a backup is never edited, so it is refused\n`], 'a trigger of its own: refused')
  const unsealed = tampered('unsealed.backup', (db) => db.prepare("DELETE FROM meta WHERE key = 'backup-seal'").run())
  const refusedUnsealed = await runCli(['restore', unsealed], { db: target })
  t.same([refusedUnsealed.status, refusedUnsealed.stderr], [1, `agentxml: ${unsealed} has no seal (a backup made before agentxml sealed its backups): --unsigned restores it without that check\n`], 'no seal: refused unless asked')
  t.notOk(existsSync(target), 'nothing was restored')
  const asked = await mustRun(['restore', unsealed, '--unsigned'], { db: target })
  t.match(asked.stdout, 'opens its PINs', '--unsigned restores it, after the key check of old')
  const sealed = await mustRun(['restore', backupFile, '--db', join(dir, 'again', 'agentxml.db')], { env: { AGENTXML_SECRET_KEY: readFileSync(join(dir, 'live', 'agentxml.key'), 'utf8').trim() } })
  t.match(sealed.stdout, /its seal matches the key AGENTXML_SECRET_KEY\.\n/, 'the untouched backup restores with its key')

  // an SQLite file that is not agentxml's, and a target that is not a database, are left alone
  const foreign = join(dir, 'foreign.db')
  const sqlite = new SQLite(foreign)
  sqlite.exec('CREATE TABLE notes (text TEXT)')
  sqlite.close()
  for (const args of [['backup', join(dir, 'x.backup')], ['restore', backupFile]]) {
    const notOurs = await runCli(args, { db: foreign })
    t.same([notOurs.status, notOurs.stderr], [1, `agentxml: ${foreign} is an SQLite database, but not an agentxml one\n`], `${args[0]} leaves another program's database alone`)
  }
  const notABackup = await runCli(['restore', foreign], { db: join(dir, 'fresh', 'agentxml.db') })
  t.same([notABackup.status, notABackup.stderr], [1, `agentxml: ${foreign} is an SQLite database, but not an agentxml one\n`], 'nor restores it')
  const passwd = join(dir, 'passwd')
  writeFileSync(passwd, 'root:x:0:0::/root:/bin/sh\n')
  const overPasswd = await runCli(['restore', backupFile, '--db', passwd])
  t.same([overPasswd.status, overPasswd.stderr], [1, `agentxml: ${passwd} is not a database (not an SQLite file)\n`])
})
