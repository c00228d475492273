import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { hoistGlobalOptions } from '../src/cli/global-options.js'
import { runCli } from './e2e/helpers/cli.js'
import { databaseEnv, databaseIn, projectRoot, tempDir } from './e2e/helpers/paths.js'

t.setTimeout(300_000)

const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version

t.test('--version, -v and -V print the version', async (t) => {
  for (const flag of ['--version', '-v', '-V']) {
    const run = await runCli([flag])
    t.same([run.status, run.stdout, run.stderr], [0, `agentxml ${version}\n`, ''], flag)
  }
})

t.test('--db and --key-file before the command are moved after its arguments (before a --)', async (t) => {
  t.same(hoistGlobalOptions(['--db', 'x.db', 'user', 'list']), ['user', 'list', '--db', 'x.db'])
  t.same(hoistGlobalOptions(['--db=x.db', '--key-file', 'k', 'mobile', 'otc', '--', '-1']), ['mobile', 'otc', '--db=x.db', '--key-file', 'k', '--', '-1'])
  t.same(hoistGlobalOptions(['user', 'list', '--db', 'x.db']), ['user', 'list', '--db', 'x.db'], 'after the command: as given')
  t.same(hoistGlobalOptions(['--db', 'x.db']), [], 'no command: the list of commands')
  t.same(hoistGlobalOptions(['--db', 'x.db', '--version']), ['--version', '--db', 'x.db'])

  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const env = databaseEnv(db)
  t.equal((await runCli(['--db', db, 'user', 'add', 'alice', '--email', 'alice@example.com'], { env })).status, 0)
  const listed = await runCli(['--db', db, 'user', 'list'], { env })
  t.same([listed.status, listed.stderr], [0, ''])
  t.match(listed.stdout, /^alice +email +alice@example\.com/m)
  t.equal((await runCli([`--db=${db}`, 'user', 'show', 'alice'], { env })).status, 0)
  const missing = await runCli(['--db', join(dir, 'none.db'), 'user', 'list'])
  t.equal(missing.status, 1, 'the database named before the command is the one opened')
  t.match(missing.stderr, 'none.db')
})

t.test('user list --json and agent list --json: one JSON array, stable field names, no secrets', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  await runCli(['user', 'add', 'alice', '--email', 'alice@example.com', '--pin', '2468'], { db })
  await runCli(['user', 'add', 'bob', '--phone', '+44 7700 900002', '--pin', '1357'], { db })
  await runCli(['agent', 'add', 'vpn', '--secret', 'agent-secret-123', '--network', '10.0.0.0/8', '--admin'], { db })
  const users = await runCli(['user', 'list', '--json'], { db })
  t.same([users.status, users.stderr, users.stdout.split('\n').length], [0, '', 2], 'one line')
  const parsed = JSON.parse(users.stdout) as Record<string, unknown>[]
  t.same(
    parsed.map(({ created, ...rest }) => (t.match(created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), rest)),
    [
      { name: 'alice', transport: 'email', email: 'alice@example.com', phone: null, mobile: true, hasPin: true, locked: false, repository: null },
      { name: 'bob', transport: 'sms', email: null, phone: '+44 7700 900002', mobile: true, hasPin: true, locked: false, repository: null },
    ],
  )
  t.notMatch(users.stdout, '2468')
  t.same(JSON.parse((await runCli(['user', 'list', '--json', '--search', 'nobody'], { db })).stdout), [])
  const agents = await runCli(['agent', 'list', '--json'], { db })
  t.equal(agents.status, 0)
  const [vpn] = JSON.parse(agents.stdout) as Record<string, unknown>[]
  t.match(vpn, { name: 'vpn', networks: ['10.0.0.0/8'], admin: true, checkPassword: false, created: /^\d{4}-/ })
  t.same(Object.keys(vpn ?? {}), ['name', 'networks', 'admin', 'checkPassword', 'created'])
  t.notMatch(agents.stdout, 'agent-secret-123')
  t.equal((await runCli(['agent', 'add', 'x', '--secret', 'agent-secret-456', '--json'], { db })).status, 2, '--json is for list only')
})

t.test('the usage tells what exists: mobile strings --new, restore as the README says', async (t) => {
  t.match((await runCli(['mobile', '--help'])).stdout, 'mobile strings [--new] [--state FILE]')
  const restore = (await runCli(['restore', '--help'])).stdout.replace(/\s+/g, ' ')
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8').replace(/\s+/g, ' ')
  for (const claim of ['without it, the server and every command refuse it', 'and not one of a newer version', 'a server started during the restore is not detected']) {
    t.match(restore, claim, `restore --help: ${claim}`)
    t.match(readme.replace(/\*/g, ''), claim, `README: ${claim}`)
  }
  t.notMatch(restore, 'keeps its users and agents', 'no longer says a database opens without its key')
})
