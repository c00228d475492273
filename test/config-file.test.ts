// One configuration file per process (issue #26, item 1): `serve --config FILE`, AGENTXML_CONFIG,
// and the same file before any command, by the flags' long names.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { readConfigFile } from '../src/config-file.js'
import { loadConfig } from '../src/config.js'
import { hoistGlobalOptions } from '../src/cli/global-options.js'
import { fileSettingKinds } from '../src/cli/shared.js'
import { runCli } from './e2e/helpers/cli.js'
import { databaseIn, projectRoot, tempDir } from './e2e/helpers/paths.js'
import { printedCode } from './e2e/helpers/protocol.js'
import { startServer } from './e2e/helpers/server.js'
import { testEngine } from './helpers/database.js'
import { freePort } from './helpers/pg-cluster.mjs'

t.setTimeout(300_000)

/** A file of settings in its own folder, private unless `mode` says otherwise. */
async function configIn(dir: string, text: string, mode = 0o600): Promise<string> {
  const file = join(dir, 'agentxml.toml')
  await writeFile(file, text)
  await chmod(file, mode)
  return file
}

/** The database's lines: a SQLite one by its name, relative to the file's folder; PostgreSQL's URL. */
const databaseLines = (db: string) => `db = ${JSON.stringify(testEngine === 'sqlite' ? 'agentxml.db' : db)}\nkey-file = "agentxml.key"\noutbox = "outbox.jsonl"\n`

t.test('serve --config listens where the file says, on its database; a command with the same --config opens that database', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const port = await freePort()
  // the server's settings beside a user command's: the server takes them all, the command only db and key-file
  const file = await configIn(dir, `${databaseLines(db)}host = "127.0.0.1"\nport = ${port}\nlog-level = "info"\nrequest-timeout = 20\n`)
  // from the checkout, not the file's folder: the relative paths are the file's
  const added = await runCli(['--config', file, 'user', 'add', 'alice', '--email', 'alice@example.com', '--pin', '2468'])
  t.same([added.status, added.stderr], [0, ''], 'a global --config before the command; serve-only keys ignored')
  const server = await startServer(t, { args: ['--config', file] })
  t.equal(server.url, `http://127.0.0.1:${port}`, 'the port of the file (a whole number)')

  const code = printedCode((await runCli(['reprovision', 'alice', '--print-code', '--config', file])).stdoutLines)
  const state = join(dir, 'phone.json')
  const provisioned = await runCli(['mobile', 'provision', '--server', server.url, '--user', 'alice', '--code', code, '--state', state])
  t.equal(provisioned.status, 0, `the server knows the code the command made: one database (${provisioned.stderr})`)
  const listed = await runCli(['user', 'list'], { env: { AGENTXML_CONFIG: file } })
  t.same([listed.status, listed.stderr], [0, ''], 'AGENTXML_CONFIG names the file too')
  t.match(listed.stdout, /^alice +email +alice@example\.com/m)
})

t.test('a flag beats its variable, which beats the file', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const [filePort, envPort] = [await freePort(), await freePort()]
  const file = await configIn(dir, `${databaseLines(db)}port = ${filePort}\n`)
  const byVariable = await startServer(t, { args: ['--config', file], env: { AGENTXML_PORT: String(envPort) } })
  t.equal(new URL(byVariable.url).port, String(envPort), 'AGENTXML_PORT over the file')
  const byFlag = await startServer(t, { args: ['--config', file, '--port', '0'], env: { AGENTXML_PORT: String(envPort) } })
  t.not(new URL(byFlag.url).port, String(envPort), '--port over AGENTXML_PORT')
  t.not(new URL(byFlag.url).port, String(filePort))

  // each way a setting is read: text, yes/no, a repeatable flag
  const settings = { port: '3', 'smtp-require-tls': true, 'sms-header': ['A: file'], 'sms-url': 'https://sms.example.com/send' }
  const config = (flags: Record<string, string | boolean | string[]>, env: NodeJS.ProcessEnv) => loadConfig({ db: ':memory:', ...flags }, env, settings)
  const fromFile = config({}, {})
  t.same([fromFile.port, fromFile.smtpRequireTls, fromFile.smsHeaders], [3, true, ['A: file']], 'the file under nothing else')
  const fromEnv = config({}, { AGENTXML_PORT: '2', AGENTXML_SMTP_REQUIRE_TLS: 'no', AGENTXML_SMS_HEADERS: 'A: env' })
  t.same([fromEnv.port, fromEnv.smtpRequireTls, fromEnv.smsHeaders], [2, false, ['A: env']], 'a variable over the file, a "no" included')
  const fromFlags = config({ port: '1', 'smtp-require-tls': true, 'sms-header': ['A: flag'] }, { AGENTXML_PORT: '2', AGENTXML_SMTP_REQUIRE_TLS: 'no', AGENTXML_SMS_HEADERS: 'A: env' })
  t.same([fromFlags.port, fromFlags.smtpRequireTls, fromFlags.smsHeaders], [1, true, ['A: flag']], 'a flag over both')
  t.equal(config({}, { AGENTXML_PORT: '' }).port, 3, 'an empty variable is unset: the file')
})

t.test('each mistake in the file is one line on stderr, status 1, for serve and for a command', async (t) => {
  const dir = await tempDir(t)
  const cases: [string, string, RegExp][] = [
    ['an unknown key', 'prot = 8080\n', /^agentxml: .*agentxml\.toml: unknown setting "prot" \(the nearest setting is "port"\)\n$/],
    ['an option that is no setting (backup --force)', 'force = true\n', /^agentxml: .*: unknown setting "force"/],
    ['not TOML', 'host = "127.0.0.1"\nport = \n', /^agentxml: .*agentxml\.toml line 2: not TOML: invalid value\n$/],
    ['a boolean for a string', 'port = true\n', /^agentxml: .*agentxml\.toml: port must be a string or a whole number, not true\n$/],
    ['a decimal number for a string', 'request-timeout = 1.5\n', /^agentxml: .*: request-timeout must be a string or a whole number, not 1\.5\n$/],
    ['a list for a string', 'host = ["a", "b"]\n', /^agentxml: .*: host must be a string or a whole number, not a list\n$/],
    ['a string for a boolean', 'smtp-require-tls = "yes"\n', /^agentxml: .*: smtp-require-tls must be true or false, not "yes"\n$/],
    ['a number in a list', 'sms-header = ["A: b", 5]\n', /^agentxml: .*: sms-header must be a list of strings \(\["…", "…"\]\), not a list\n$/],
    ['a table', '[server]\nport = 8080\n', /^agentxml: .*agentxml\.toml: \[server\] is a table; settings are keys at the top of the file, before any \[section\]\n$/],
    ['an empty value', 'db = ""\n', /^agentxml: .*: db is empty: leave the key out for the default\n$/],
    ['a value its setting refuses', 'port = 70000\n', /^agentxml: port must be a number from 0 to 65535, not "70000"\n$/],
  ]
  for (const [name, text, line] of cases) {
    const file = await configIn(dir, text)
    const command = name === 'a value its setting refuses' ? ['serve', '--config', file] : ['--config', file, 'user', 'list']
    const run = await runCli(command)
    t.same(run.status, 1, `${name}: status 1`)
    t.match(run.stderr, line, name)
    t.notMatch(run.stderr, /\n.*\bat /, `${name}: no stack trace`)
  }
  const served = await runCli(['serve', '--config', await configIn(dir, 'port = true\n')])
  t.match([served.status, served.stderr], [1, /^agentxml: .*: port must be a string or a whole number, not true\n$/], 'serve says the same')

  const missing = await runCli(['serve', '--config', join(dir, 'none.toml')])
  t.same([missing.status, missing.stderr], [1, `agentxml: --config ${join(dir, 'none.toml')}: no such file\n`])
  const missingByVariable = await runCli(['user', 'list'], { env: { AGENTXML_CONFIG: join(dir, 'none.toml') } })
  t.same([missingByVariable.status, missingByVariable.stderr], [1, `agentxml: AGENTXML_CONFIG ${join(dir, 'none.toml')}: no such file\n`])
  // a file its reader may not open (EACCES) cannot be made here as root; a folder fails the same way
  const folder = await runCli(['user', 'list', '--config', dir])
  t.same([folder.status, folder.stderr], [1, `agentxml: --config ${dir}: a folder, not a file\n`])
})

t.test('a key another command takes is left to it; the file does not beat a variable a command has', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  // serve's and the transports' keys, and a template that does not exist: user list reads none of them
  const file = await configIn(dir, `${databaseLines(db)}port = 1\nradius = 1812\nmessage-template = "none.txt"\nsms-header = ["A: b"]\n`)
  const listed = await runCli(['--config', file, 'user', 'list'])
  t.same([listed.status, listed.stderr], [0, ''])
  const reprovision = await runCli(['--config', file, 'reprovision', 'nobody'])
  t.match([reprovision.status, reprovision.stderr], [1, /^agentxml: --message-template .*none\.txt: no such file\n$/], 'reprovision takes the delivery keys, the template relative to the file')
})

t.test('relative paths are relative to the file, wherever the command runs', async (t) => {
  const dir = await tempDir(t)
  await mkdir(join(dir, 'tls'))
  const file = await configIn(
    dir,
    'db = "data/agentxml.db"\nkey-file = "/etc/agentxml/agentxml.key"\ntls-cert = "tls/cert.pem"\ntls-key = "./tls/key.pem"\noutbox = "../outbox.jsonl"\nhost = "local"\n',
  )
  const { settings } = readConfigFile(file, fileSettingKinds, '--config')
  t.same(settings, {
    db: join(dir, 'data/agentxml.db'),
    'key-file': '/etc/agentxml/agentxml.key',
    'tls-cert': join(dir, 'tls/cert.pem'),
    'tls-key': join(dir, 'tls/key.pem'),
    outbox: join(dir, '../outbox.jsonl'),
    host: 'local',
  })
  const urls = readConfigFile(await configIn(dir, 'db = "postgres://agentxml@db.example.com/agentxml"\n'), fileSettingKinds, '--config')
  t.same(urls.settings, { db: 'postgres://agentxml@db.example.com/agentxml' }, 'an address is not a path')
  // a command, run from the checkout, makes the database in the file's folder
  const made = await runCli(['--config', await configIn(dir, 'db = "data/agentxml.db"\n'), 'init'])
  t.equal(made.status, 0, made.stderr)
  t.equal(made.stdout, `database ready: ${join(dir, 'data', 'agentxml.db')}, master key from ${join(dir, 'data', 'agentxml.key')}\n`)
})

t.test('a password in a file every user may read: one warning, and the command still runs', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const secret = `${databaseLines(db)}smtp-url = "smtp://agentxml:hunter2@mail.example.com:587"\nsms-header = ["Authorization: Bearer abc"]\n`
  const open = await configIn(dir, secret, 0o644)
  const listed = await runCli(['--config', open, 'user', 'list'])
  t.equal(listed.status, 0)
  // a PostgreSQL test URL given with a password is one more
  const secrets = [...(testEngine === 'postgres' && new URL(db).password !== '' ? ['db'] : []), 'smtp-url', 'sms-header'].join(', ')
  t.equal(listed.stderr, `agentxml: warning: ${open} holds a password (${secrets}) and every user of this machine may read it: chmod o-r ${open}\n`)
  t.notMatch(listed.stderr, 'hunter2', 'the warning does not repeat the password')
  const closed = await runCli(['--config', await configIn(dir, secret, 0o640), 'user', 'list'])
  t.same([closed.status, closed.stderr], [0, ''], 'group-readable (root:agentxml 0640) is the advice: no warning')
  if (secrets.startsWith('smtp-url')) {
    const harmless = await runCli(['--config', await configIn(dir, `${databaseLines(db)}smtp-url = "smtp://mail.example.com:25"\n`, 0o644), 'user', 'list'])
    t.same([harmless.status, harmless.stderr], [0, ''], 'nothing secret: no warning')
  }
})

t.test('docs/agentxml.example.toml parses, every key in it is a setting, and it has them all', async (t) => {
  const text = await readFile(join(projectRoot, 'docs', 'agentxml.example.toml'), 'utf8')
  // the commented keys too: an admin uncomments them
  const uncommented = text.replace(/^# ([a-z-]+ = )/gm, '$1')
  const dir = await tempDir(t)
  const { settings } = readConfigFile(await configIn(dir, uncommented), fileSettingKinds, '--config')
  t.same(Object.keys(settings).sort(), [...fileSettingKinds.keys()].sort())
  const active = readConfigFile(await configIn(dir, text), fileSettingKinds, '--config').settings
  t.same(Object.keys(active).sort(), ['db', 'host', 'log-format', 'log-level', 'port'], 'as it is: a server on the loopback')
})

t.test('--config before the command is moved after its arguments, with --db and --key-file', async (t) => {
  t.same(hoistGlobalOptions(['--config', 'a.toml', 'user', 'list']), ['user', 'list', '--config', 'a.toml'])
  t.same(hoistGlobalOptions(['--config=a.toml', '--db', 'x.db', 'mobile', 'otc', '--', '-1']), ['mobile', 'otc', '--config=a.toml', '--db', 'x.db', '--', '-1'])
})
