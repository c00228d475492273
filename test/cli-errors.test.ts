// Every way to call `agentxml` wrongly, run as the real compiled command: one line on stderr,
// exit 2 for a mistake in the call and 1 for anything else, never a stack trace; and the help.
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { type CliResult, mustRun, runCli } from './e2e/helpers/cli.js'
import { cliEntry, databaseIn, projectRoot, tempDir } from './e2e/helpers/paths.js'

// about a hundred processes: minutes on a busy machine
t.setTimeout(900_000)
t.jobs = 2

const run = promisify(execFile)
const hasOpenssl = await run('openssl', ['version']).then(
  () => true,
  () => false,
)

const commands = ['serve', 'user', 'agent', 'nas', 'reprovision', 'policy', 'queue', 'admin', 'backup', 'restore', 'mobile']
const groups = ['user', 'agent', 'nas', 'policy', 'queue', 'admin', 'mobile']

interface Case {
  readonly args: readonly string[]
  readonly env?: NodeJS.ProcessEnv
  readonly status: 1 | 2
  /** The whole line after `agentxml: `, or a pattern for it. */
  readonly says: string | RegExp
  /** The --db it runs against, when not the test's own. */
  readonly db?: string
}

/** Exactly one line `agentxml: ...`, the status asked for, no stack frame. */
function assertOneLine(t: Test, result: CliResult, expected: Case) {
  const name = `agentxml ${expected.args.join(' ')}`
  t.equal(result.status, expected.status, `${name}: exit status ${expected.status}`)
  t.equal(result.stderr.split('\n').length, 2, `${name}: one line on stderr`)
  t.notMatch(result.stderr, /\n {4}at |\bat .+:\d+:\d+/, `${name}: no stack frame`)
  const line = result.stderr.replace(/^agentxml: /, '').replace(/\n$/, '')
  t.ok(result.stderr.startsWith('agentxml: '), `${name}: the line names the command`)
  if (typeof expected.says === 'string') t.equal(line, expected.says, name)
  else t.match(line, expected.says, name)
  if (expected.status === 2) t.match(line, /; try agentxml ([a-z]+ )?--help$/, `${name}: says where the usage is`)
}

t.test('bad calls, flags, values, files and variables: one line each', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  await mustRun(['user', 'add', 'alice', '--pin', '2468'], { db })
  await mustRun(['agent', 'add', 'vpn', '--secret', 'a long enough secret'], { db })
  const notPem = join(dir, 'not.pem')
  writeFileSync(notPem, 'hello\n')
  const passwd = join(dir, 'passwd')
  writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\n')
  const corrupt = join(dir, 'corrupt', 'agentxml.db')
  mkdirSync(join(dir, 'corrupt'))
  const garbage = Buffer.alloc(8192, 0x41)
  Buffer.from('SQLite format 3\0', 'latin1').copy(garbage)
  writeFileSync(corrupt, garbage)
  const existing = join(dir, 'existing.backup')
  writeFileSync(existing, '')

  const usage: Case[] = [
    { args: ['frob'], status: 2, says: 'unknown command "frob"; try agentxml --help' },
    { args: ['help', 'frob'], status: 2, says: 'unknown command "frob"; try agentxml --help' },
    { args: ['user', 'frob'], status: 2, says: 'unknown user command "frob"; try agentxml user --help' },
    { args: ['user', 'add'], status: 2, says: 'missing user name; try agentxml user --help' },
    { args: ['user', 'add', 'bob', '--bogus'], status: 2, says: 'unknown option --bogus; try agentxml user --help' },
    { args: ['user', 'add', 'bob', '-x'], status: 2, says: 'unknown option -x; try agentxml user --help' },
    { args: ['user', 'add', 'bob', '--email'], status: 2, says: /^--email needs a value/ },
    { args: ['user', 'add', 'bob', '--email', '--phone', '123'], status: 2, says: /^--email needs a value \(write --email=VALUE for one starting with "-"\)/ },
    { args: ['user', 'show', 'alice', 'extra'], status: 2, says: /^unexpected argument "extra"/ },
    { args: ['user', 'list', '--email', 'x'], status: 2, says: /^unknown option --email/ },
    { args: ['user', 'set', 'alice'], status: 2, says: /^user set needs something to change/ },
    { args: ['user', 'set', 'alice', '--pin', '1234', '--no-pin'], status: 2, says: /^--pin and --no-pin go separately/ },
    { args: ['user', 'set', 'alice', '--no-email=x'], status: 2, says: /^--no-email takes no value/ },
    { args: ['user', 'set-pin', 'alice'], status: 2, says: /^missing PIN/ },
    { args: ['agent', 'frob'], status: 2, says: /^unknown agent command "frob"/ },
    { args: ['agent', 'add', 'edge'], status: 2, says: /^agent add needs --secret/ },
    { args: ['agent', 'add', 'edge', '--secret', 'a long enough secret', '--admin=yes'], status: 2, says: /^--admin takes no value/ },
    { args: ['agent', 'set', 'vpn'], status: 2, says: /^agent set needs something to change/ },
    { args: ['agent', 'set', 'vpn', '--admin', '--no-admin'], status: 2, says: /^--admin and --no-admin go separately/ },
    { args: ['agent', 'list', '--secret', 'x'], status: 2, says: /^unknown option --secret/ },
    { args: ['policy', 'set', 'max-login-tries'], status: 2, says: /^missing value/ },
    { args: ['policy', 'show', 'extra'], status: 2, says: /^unexpected argument "extra"/ },
    { args: ['queue', 'list', '--limit', 'x'], status: 2, says: /^--limit must be a positive number, not "x"/ },
    { args: ['queue', 'list', '--limit', '-5'], status: 2, says: /^--limit must be a positive number, not "-5"/ },
    { args: ['queue', 'retry', 'abc'], status: 2, says: /^message id must be a positive number/ },
    { args: ['queue', 'retry'], status: 2, says: /^missing message id/ },
    { args: ['reprovision'], status: 2, says: /^missing user name; try agentxml reprovision --help/ },
    { args: ['admin', 'add'], status: 2, says: /^missing administrator name/ },
    { args: ['mobile', 'otc'], status: 2, says: /^mobile needs --pin/ },
    { args: ['backup'], status: 2, says: /^missing backup file; try agentxml backup --help/ },
    { args: ['restore'], status: 2, says: /^missing backup file; try agentxml restore --help/ },
    { args: ['serve', '--db', db, '--port'], status: 2, says: '--port needs a value; try agentxml serve --help' },
    { args: ['serve', '--port', '--db', db], status: 2, says: '--port needs a value (write --port=VALUE for one starting with "-"); try agentxml serve --help' },
  ]
  const runtime: Case[] = [
    { args: ['serve', '--port', '0', '--log-level', 'verbose'], status: 1, says: 'log level must be one of fatal, error, warn, info, debug, trace, silent, not "verbose"' },
    { args: ['user', 'list'], env: { AGENTXML_LOG_LEVEL: 'loud' }, status: 1, says: /^log level must be one of .*, not "loud"$/ },
    { args: ['serve', '--port', '0', '--log-format', 'xml'], status: 1, says: 'log format must be json or pinsafe, not "xml"' },
    { args: ['serve', '--port', '99999'], status: 1, says: 'port must be a number from 0 to 65535, not "99999"' },
    { args: ['serve'], env: { AGENTXML_PORT: 'abc' }, status: 1, says: 'port must be a number from 0 to 65535, not "abc"' },
    { args: ['serve', '--port', '0', '--request-timeout', '0'], status: 1, says: /^--request-timeout must be a number of seconds from 1 to 3600/ },
    { args: ['serve', '--port', '0', '--metrics', 'on'], status: 1, says: '--metrics on is gone: metrics have a listener of their own, --metrics [HOST:]PORT (127.0.0.1:9464)' },
    { args: ['serve', '--port', '0', '--metrics-token-file', join(dir, 'none.token')], status: 1, says: '--metrics-token-file needs --metrics [HOST:]PORT' },
    { args: ['serve', '--port', '0', '--metrics', '9464', '--metrics-token-file', join(dir, 'none.token')], status: 1, says: `--metrics-token-file ${join(dir, 'none.token')}: no such file` },
    { args: ['serve', '--port', '0', '--tls-cert', notPem], status: 1, says: '--tls-cert and --tls-key go together' },
    { args: ['serve', '--port', '0', '--tls-cert', notPem, '--tls-key', notPem], status: 1, says: new RegExp(`^--tls-cert ${notPem} is not a PEM certificate`) },
    { args: ['serve', '--port', '0', '--tls-cert', join(dir, 'none.pem'), '--tls-key', notPem], status: 1, says: /^--tls-cert .*none\.pem: no such file$/ },
    { args: ['serve', '--port', '0', '--smtp-url', 'nonsense'], status: 1, says: /^--smtp-url is not a URL/ },
    { args: ['serve', '--port', '0', '--message-template', join(dir, 'none.txt')], status: 1, says: `--message-template ${join(dir, 'none.txt')}: no such file` },
    { args: ['reprovision', 'alice'], env: { AGENTXML_SMTP_CA: join(dir, 'none.pem') }, status: 1, says: `--smtp-ca ${join(dir, 'none.pem')}: no such file` },
    { args: ['user', 'list'], env: { AGENTXML_SECRET_KEY: 'abc' }, status: 1, says: /^AGENTXML_SECRET_KEY must hold 64 hexadecimal characters/ },
    { args: ['user', 'list', '--db', passwd], status: 1, says: `${passwd} is not a database (not an SQLite file)` },
    { args: ['serve', '--port', '0', '--db', passwd], status: 1, says: `${passwd} is not a database (not an SQLite file)` },
    { args: ['user', 'list', '--db', dir], status: 1, says: `${dir} is a folder, not a database file` },
    { args: ['user', 'list', '--db', ''], status: 1, says: '--db needs a value' },
    { args: ['serve', '--port', '0', '--host', ''], status: 1, says: '--host needs a value' },
    // with its key given: without one, the missing key file is what is reported first
    { args: ['user', 'list', '--db', corrupt], env: { AGENTXML_SECRET_KEY: 'cd'.repeat(32) }, status: 1, says: `${corrupt} is not an agentxml database (SQLite: file is not a database)` },
    { args: ['policy', 'set', 'max-login-tries', '-1'], status: 1, says: 'Maximum login tries must be 0 (no limit)-100, not "-1"' },
    { args: ['policy', 'set', 'max-login-tries', '101'], status: 1, says: 'Maximum login tries must be 0 (no limit)-100, not "101"' },
    { args: ['policy', 'set', 'no-such-policy', '1'], status: 1, says: /^unknown policy "no-such-policy"/ },
    { args: ['user', 'add', 'dave', '--transport', 'email'], status: 1, says: 'the email transport needs an email address' },
    { args: ['user', 'add', 'dave', '--transport', 'sms'], status: 1, says: 'the sms transport needs a phone number' },
    { args: ['user', 'add', 'dave', '--transport', 'pigeon'], status: 1, says: 'transport must be one of outbox, email, sms, not "pigeon"' },
    { args: ['user', 'add', 'dave', '--pin', '12'], status: 1, says: 'a PIN is 4 to 10 digits' },
    { args: ['user', 'add', 'dave', '--pin', '-1234'], status: 1, says: 'a PIN is made of digits only (4 to 10 of them)' },
    { args: ['user', 'add', 'dave', '--pin', '1111'], status: 1, says: /^that PIN is too easy to guess/ },
    { args: ['user', 'set', 'alice', '--pin', '2468'], status: 1, says: /^that is the current PIN|^that PIN is the current one/ },
    { args: ['user', 'reset-pin', 'nobody'], status: 1, says: 'user "nobody" not found' },
    { args: ['user', 'add', 'dave', '--email', 'nobody'], status: 1, says: /^"nobody" is not an email address/ },
    { args: ['user', 'add', 'alice'], status: 1, says: 'user "alice" already exists' },
    { args: ['user', 'show', 'nobody'], status: 1, says: 'user "nobody" not found' },
    { args: ['user', 'set', 'nobody', '--pin', '2468'], status: 1, says: 'user "nobody" not found' },
    { args: ['user', 'set', 'alice', '--transport', 'email'], status: 1, says: 'the email transport needs an email address' },
    { args: ['user', 'set', 'alice', '--phone', 'call me'], status: 1, says: '"call me" is not a phone number' },
    { args: ['user', 'set', 'alice', '--transport', ''], status: 1, says: 'transport must be one of outbox, email, sms, not ""' },
    { args: ['agent', 'add', 'edge', '--secret', 'short'], status: 1, says: 'agent secret must be 8 to 256 characters' },
    { args: ['agent', 'add', 'edge', '--secret', 'a long enough secret', '--network', '10.0.0.0/33'], status: 1, says: /^"10\.0\.0\.0\/33" is not a network in CIDR form/ },
    { args: ['agent', 'add', 'vpn', '--secret', 'a long enough secret'], status: 1, says: 'agent "vpn" already exists' },
    { args: ['agent', 'set', 'nobody', '--admin'], status: 1, says: 'agent "nobody" not found' },
    { args: ['agent', 'set', 'vpn', '--secret', 'short'], status: 1, says: 'agent secret must be 8 to 256 characters' },
    { args: ['queue', 'list', '--status', 'bogus'], status: 1, says: 'status must be one of queued, sending, sent, failed, not "bogus"' },
    { args: ['queue', 'retry', '7'], status: 1, says: 'message 7 not found' },
    { args: ['reprovision', 'nobody'], status: 1, says: 'user "nobody" not found' },
    { args: ['mobile', 'strings', '--state', join(dir, 'none.json')], status: 1, says: /^no mobile state in / },
  ]
  // backup and restore are SQLite's: their cases run on a SQLite file in either pass
  const sqliteFile = join(dir, 'sqlite', 'agentxml.db')
  await mustRun(['init'], { db: sqliteFile })
  const files: Case[] = [
    { args: ['backup', existing], status: 1, says: `${existing} exists; --force replaces it` },
    { args: ['backup', join(dir, 'no-such-folder', 'x.backup')], status: 1, says: `the folder ${join(dir, 'no-such-folder')} does not exist` },
    { args: ['backup', sqliteFile], status: 1, says: 'the backup file cannot be the database itself' },
    { args: ['backup', passwd, '--force'], status: 1, says: `${passwd} is not a database (not an SQLite file); refusing to replace it` },
    { args: ['backup', '/dev/null', '--force'], status: 1, says: '/dev/null is not a regular file; refusing to replace it' },
    { args: ['restore', passwd], status: 1, says: `${passwd} is not a database (not an SQLite file)` },
    { args: ['restore', join(dir, 'none.backup')], status: 1, says: `the backup ${join(dir, 'none.backup')} does not exist or is empty` },
  ]
  // three at a time: each is a process of its own, and none changes what another sees
  const cases = [...usage, ...runtime, ...files.map((c) => ({ ...c, db: sqliteFile }))]
  for (let i = 0; i < cases.length; i += 3) {
    const batch = cases.slice(i, i + 3)
    // a case that names its own --db keeps it
    const results = await Promise.all(batch.map((c) => runCli(c.args, { env: c.env, ...(c.args.includes('--db') ? {} : { db: c.db ?? db }) })))
    batch.forEach((expected, j) => assertOneLine(t, results[j] as CliResult, expected))
  }
  t.equal((await runCli(['user', 'show', 'dave'], { db })).stderr, 'agentxml: user "dave" not found\n', 'none of the refused daves was added')
  t.notMatch((await mustRun(['agent', 'list'], { db })).stdout, /edge/, 'nor the refused agents')
})

t.test('a --db that is not a database: nothing is created beside it', async (t) => {
  const dir = await tempDir(t)
  const passwd = join(dir, 'passwd')
  writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\n')
  for (const args of [['user', 'list'], ['serve', '--port', '0']]) {
    const result = await runCli([...args, '--db', passwd])
    t.equal(result.status, 1)
  }
  t.notOk(existsSync(join(dir, 'agentxml.key')), 'no key file was made beside it')
  t.equal(readFileSync(passwd, 'utf8'), 'root:x:0:0:root:/root:/bin/bash\n', 'and the file is as it was')
})

t.test('TLS files that are PEM but do not belong together, or a key that is not a key', { skip: !hasOpenssl && 'openssl is not installed' }, async (t) => {
  const dir = await tempDir(t)
  const pair = async (name: string) => {
    const [cert, key] = [join(dir, `${name}-cert.pem`), join(dir, `${name}-key.pem`)]
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert])
    return { cert, key }
  }
  const [one, two] = [await pair('one'), await pair('two')]
  const db = await databaseIn(t, dir)
  const cases: Case[] = [
    { args: ['serve', '--port', '0', '--tls-cert', one.cert, '--tls-key', two.key], status: 1, says: `--tls-key ${two.key} is not the key of the certificate ${one.cert} (x509 certificate routines::key values mismatch)` },
    { args: ['serve', '--port', '0', '--tls-cert', one.cert, '--tls-key', one.cert], status: 1, says: new RegExp(`^--tls-key ${one.cert} is not a PEM private key`) },
    { args: ['serve', '--port', '0', '--tls-cert', one.key, '--tls-key', one.key], status: 1, says: new RegExp(`^--tls-cert ${one.key} is not a PEM certificate`) },
  ]
  for (const expected of cases) assertOneLine(t, await runCli(expected.args, { db }), expected)
})

t.test('help: the whole list, one command, a subcommand, help COMMAND', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const global = await runCli(['--help'], { db })
  t.equal(global.status, 0)
  t.match(global.stdout, /^Usage: agentxml <command> \[options\]\n/)
  for (const name of commands) t.match(global.stdout, new RegExp(`\\n  ${name} +\\S`), `the list names ${name}`)
  t.equal((await runCli(['help'])).stdout, global.stdout, 'agentxml help is the same')

  const bare = await runCli([])
  t.equal(bare.status, 2, 'agentxml alone exits 2')
  t.equal(bare.stdout, global.stdout, 'with the list on stdout')
  t.equal(bare.stderr, '')

  for (const name of commands) {
    const own = await runCli([name, '--help'], { db })
    t.equal(own.status, 0, `${name} --help exits 0`)
    t.match(own.stdout, new RegExp(`^Usage: agentxml ${name}\\b`), `${name} --help shows its own usage`)
    t.not(own.stdout, global.stdout)
    t.equal(own.stderr, '')
    t.equal((await runCli(['help', name])).stdout, own.stdout, `help ${name} is the same`)
    t.equal((await runCli([name, '-h'], { db })).stdout, own.stdout, `${name} -h is the same`)
  }
  const sub = await runCli(['user', 'set', '--help'], { db })
  t.equal(sub.status, 0)
  t.match(sub.stdout, /^Usage: agentxml user/)
  t.match(sub.stdout, /user set NAME \[--email ADDR \| --no-email\]/, 'user set --help shows how to use user set')
  t.match((await runCli(['agent', 'set', 'vpn', '--help'], { db })).stdout, /agent set NAME \[--network CIDR\]\.\.\. \[--secret S\] \[--admin \| --no-admin\]/)
  t.match((await runCli(['serve', '--help'], { db })).stdout, /--log-level LEVEL +fatal, error, warn, info, debug, trace or silent/)

  for (const name of groups) {
    const alone = await runCli([name], { db })
    t.equal(alone.status, 2, `${name} alone exits 2`)
    t.match(alone.stdout, new RegExp(`^Usage: agentxml ${name} <command>`), `${name} alone shows what ${name} can do`)
    t.equal(alone.stderr, '', `${name} alone: nothing on stderr`)
  }
})

t.test('output into a pipe whose reader has gone: no error, status 0', async (t) => {
  const dir = await tempDir(t)
  const errors = join(dir, 'stderr')
  // `true` exits without reading, so every write of the command meets a closed pipe (EPIPE)
  await run('sh', ['-c', `{ "$0" "$1" help user; echo "status $?" >&2; } 2>"$2" | true`, process.execPath, cliEntry, errors])
  t.equal(readFileSync(errors, 'utf8'), 'status 0\n')
})

t.test('--version prints the package version, from a checkout and from an install', async (t) => {
  const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }
  const checkout = await runCli(['--version'])
  t.same([checkout.status, checkout.stdout, checkout.stderr], [0, `agentxml ${version}\n`, ''])

  // laid out as npm installs it, and run from another folder: the version comes from the package's own package.json
  const dir = await tempDir(t)
  const installed = join(dir, 'node_modules', 'agentxml')
  mkdirSync(installed, { recursive: true })
  cpSync(join(projectRoot, 'dist'), join(installed, 'dist'), { recursive: true })
  writeFileSync(join(installed, 'package.json'), JSON.stringify({ name: 'agentxml', version: '9.8.7', type: 'module' }))
  symlinkSync(join(projectRoot, 'node_modules'), join(installed, 'node_modules'))
  const { stdout } = await run(process.execPath, [join(installed, 'dist', 'cli', 'index.js'), '--version'], { cwd: dir })
  t.equal(stdout, 'agentxml 9.8.7\n')
})
