import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openDatabase } from '../src/db/index.js'
import { findAdminByName, updateAdmin } from '../src/db/repositories/admins.js'
import { verifyPassword as verifyKeyed } from '../src/domain/passwords.js'
import { deriveKeys } from '../src/secrets.js'
import { startServerProcess } from './helpers/processes.js'

// scrypt and child processes are slow on a busy machine: more than tap's default per file
t.setTimeout(600_000)

const cli = join(process.cwd(), 'dist/cli/index.js')

function setup(t: { teardown(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-admin-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const db = join(dir, 'agentxml.db')
  const run = (args: string[], input = '') => spawnSync(process.execPath, [cli, ...args, '--db', db], { encoding: 'utf8', input })
  run(['init'])
  const stored = async (name: string) => {
    const handle = await openDatabase(db)
    try {
      return await findAdminByName(handle.db, name)
    } finally {
      await handle.store.close()
    }
  }
  return { db, run, stored }
}

// the hashes are keyed with the master key: the key file init made beside the database
const verifyPassword = (password: string, hash: string, db: string) =>
  verifyKeyed(password, hash, deriveKeys(Buffer.from(readFileSync(join(db, '..', 'agentxml.key'), 'utf8').trim(), 'hex')))

t.test('admin add reads the password from the first line of standard input', async (t) => {
  const { db, run, stored } = setup(t)
  const added = run(['admin', 'add', 'root'], '  spaces count too  \r\nsecond line ignored\n')
  t.equal(added.status, 0, added.stderr)
  t.equal(added.stdout, 'Administrator "root" added\n')
  const admin = await stored('root')
  t.match(admin?.password_hash, /^scrypt-hmac\$32768\$8\$3\$/)
  t.ok(await verifyPassword('  spaces count too  ', admin?.password_hash ?? '', db), 'only the line ending is removed')
  t.notOk(await verifyPassword('second line ignored', admin?.password_hash ?? '', db))

  const list = run(['admin', 'list'])
  t.match(list.stdout, /^NAME +LOCKED +FAILED SIGN-INS +CREATED\nroot +- +0 +\d{4}-/)

  const again = run(['admin', 'add', 'root'], 'another good password\n')
  t.equal(again.status, 1)
  t.equal(again.stderr, 'agentxml: administrator "root" already exists\n')
})

t.test('passwords shorter than 12 characters are refused', async (t) => {
  const { run, stored } = setup(t)
  for (const input of ['elevenchars\n', '\n', '']) {
    const short = run(['admin', 'add', 'root'], input)
    t.equal(short.status, 1, JSON.stringify(input))
    t.equal(short.stderr, 'agentxml: a password needs at least 12 characters\n')
  }
  t.equal(await stored('root'), undefined, 'nothing was added')
})

t.test('set-password changes the password and lifts a lockout; delete removes', async (t) => {
  const { db, run, stored } = setup(t)
  t.equal(run(['admin', 'add', 'root'], 'first long password\n').status, 0)
  const handle = await openDatabase(db)
  const before = await findAdminByName(handle.db, 'root')
  await updateAdmin(handle.db, before?.id ?? 0, { failed_signins: 3, locked_until: Date.now() + 600_000 })
  await handle.store.close()
  t.match(run(['admin', 'list']).stdout, /root +until \d{4}-/)

  const set = run(['admin', 'set-password', 'root'], 'second long password\n')
  t.equal(set.status, 0, set.stderr)
  t.equal(set.stdout, 'Password of administrator "root" changed\n')
  const after = await stored('root')
  t.ok(await verifyPassword('second long password', after?.password_hash ?? '', db))
  t.equal(after?.locked_until, null)
  t.equal(after?.failed_signins, 0)
  t.equal(run(['admin', 'set-password', 'nobody'], 'second long password\n').stderr, 'agentxml: administrator "nobody" not found\n')

  t.equal(run(['admin', 'delete', 'root']).stdout, 'Administrator "root" deleted\n')
  const gone = run(['admin', 'delete', 'root'])
  t.equal(gone.status, 1)
  t.equal(gone.stderr, 'agentxml: administrator "root" not found\n')
})

t.test("the first command after an upgrade keys an earlier version's hash, once (issue #25, item 9)", async (t) => {
  const { db, run, stored } = setup(t)
  t.equal(run(['admin', 'add', 'root'], 'first long password\n').status, 0)
  const keyed = (await stored('root'))?.password_hash ?? ''
  // as an earlier version left it: the hash unkeyed, no record of keying (the MAC cannot be undone: a made-up one)
  const handle = await openDatabase(db)
  await updateAdmin(handle.db, (await findAdminByName(handle.db, 'root'))?.id ?? 0, { password_hash: keyed.replace(/^scrypt-hmac\$/, 'scrypt$') })
  await handle.db.deleteFrom('meta').where('key', '=', 'admin-hashes-keyed').execute()
  await handle.store.close()
  const list = run(['admin', 'list'])
  t.match(list.stdout, /^NAME/, 'the output is untouched')
  t.equal(list.stderr, 'Password hashes of 1 administrators keyed with the master key\n')
  t.match((await stored('root'))?.password_hash, /^scrypt-hmac\$/)
  t.equal(run(['admin', 'list']).stderr, '', 'once')
})

t.test("set-password lifts the account's sign-in limit: the administrator signs in at once", async (t) => {
  const { db, run } = setup(t)
  t.equal(run(['admin', 'add', 'root'], 'first long password\n').status, 0)
  const server = await startServerProcess(['--db', db])
  t.teardown(() => server.stop())
  const signIn = async (password: string) => {
    const form = await fetch(`${server.url}/admin/sign-in`)
    const cookie = form.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ')
    const csrf = /name="csrf" value="([^"]*)"/.exec(await form.text())?.[1] ?? ''
    const headers = { cookie, 'content-type': 'application/x-www-form-urlencoded' }
    const body = new URLSearchParams({ csrf, name: 'root', password }).toString()
    return (await fetch(`${server.url}/admin/sign-in`, { method: 'POST', redirect: 'manual', headers, body })).status
  }
  // five tries per account in 15 minutes: the sixth is refused before its password is checked
  for (let i = 0; i < 6; i++) t.equal(await signIn(`wrong guess number ${i}`), 403)
  await server.waitFor((record) => (record as { reason?: string }).reason === 'too many tries for this account')

  const set = run(['admin', 'set-password', 'root'], 'second long password\n')
  t.equal(set.status, 0, set.stderr)
  t.equal(await signIn('second long password'), 303, 'signed in with the new password at once')
})

t.test('usage errors exit 2', async (t) => {
  const { run } = setup(t)
  for (const args of [['admin', 'rename', 'x'], ['admin', 'add'], ['admin', 'add', 'root', '--force']]) {
    const result = run(args, 'a long enough password\n')
    t.equal(result.status, 2, args.join(' '))
    t.match(result.stderr, /^agentxml: [^\n]+; try agentxml admin --help\n$/)
  }
  const bare = run(['admin'])
  t.equal(bare.status, 2)
  t.match(bare.stdout, /^Usage: agentxml admin/, 'admin alone shows what admin can do')
  const badName = run(['admin', 'add', 'bad name!'], 'a long enough password\n')
  t.equal(badName.status, 1)
  t.match(badName.stderr, 'is not allowed')
})

t.test('on a terminal the password is asked twice and never echoed', { skip: !existsSync('/usr/bin/script') && 'needs script(1) for a pseudo-terminal' }, async (t) => {
  const { db, stored } = setup(t)
  const session = async (first: string, second: string) => {
    const child = spawn('/usr/bin/script', ['-qec', `${process.execPath} ${cli} admin add ttyroot --db ${db}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] })
    let output = ''
    const answers = [first, second]
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      // answer each prompt only once it is shown: raw mode (no echo) is on by then
      const prompts = output.match(/Password( again)?: /g)?.length ?? 0
      while (answers.length > 0 && prompts > 2 - answers.length) child.stdin.write(`${answers.shift()}\r`)
    })
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
    return { status, output }
  }
  const mismatch = await session('a long tty password', 'a different password')
  t.match(mismatch.output, 'agentxml: the passwords do not match')
  t.equal(await stored('ttyroot'), undefined)
  const ok = await session('a long tty password', 'a long tty password')
  t.equal(ok.status, 0)
  t.match(ok.output, 'Administrator "ttyroot" added')
  t.notMatch(ok.output, 'a long tty password', 'the password is never echoed')
  t.ok(await verifyPassword('a long tty password', (await stored('ttyroot'))?.password_hash ?? '', db))
})
