// RADIUS clients (NASes): administered with `agentxml nas`, their shared secrets sealed at rest and
// never shown, found by the address a packet comes from (issue #24, item 3).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import { openDatabase } from '../src/db/index.js'
import { auditEntryOf } from '../src/domain/audit.js'
import { addNas, changeNas, deleteNas, learnMessageAuthenticator, nasFor, nasSecret, showNas } from '../src/domain/nas-clients.js'
import { type CliResult, runCli } from './e2e/helpers/cli.js'
import { databaseIn, tempDir } from './e2e/helpers/paths.js'
import { build } from './helpers/build.js'
import { testEngine } from './helpers/database.js'

t.setTimeout(300_000)

const secret = 'vpn-shared-secret-0123456789'
const cli = (args: string[], db: string, env: NodeJS.ProcessEnv = {}) => runCli(args, { db, env: { SUDO_USER: '', ...env } })
/** Who runs the commands: their audit rows name this user (cli/shared.ts operatorName). */
const operator = userInfo().username

/** Exit 1 or 2 and exactly one line `agentxml: ...` on stderr: no stack trace. */
function refused(t: Test, result: CliResult, line: string | RegExp, status = 1): void {
  t.equal(result.status, status, `${result.args.join(' ')}: exit ${status}`)
  t.match(result.stderr, /^agentxml: [^\n]+\n$/, 'one line')
  t.notMatch(result.stderr, /\bat .+:\d+:\d+|Error:/, 'no stack trace')
  t.match(result.stderr, line)
}

/** Every value of every row of the tables that could hold a secret, as text. */
async function rowsText(db: string): Promise<string> {
  const opened = await openDatabase(db)
  try {
    const rows = [
      ...(await opened.db.selectFrom('nas_clients').selectAll().execute()),
      ...(await opened.db.selectFrom('audit_log').selectAll().execute()),
    ]
    return rows.flatMap((row) => Object.values(row).map((value) => (Buffer.isBuffer(value) ? value.toString('latin1') : String(value)))).join('\n')
  } finally {
    await opened.store.close()
  }
}

t.test('nas add, list, show, set and delete through the agentxml command; the secret is sealed at rest and never shown', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const secretFile = join(dir, 'nas-secret')
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 })
  const outputs: CliResult[] = []
  const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const result = await cli(args, db, env)
    outputs.push(result)
    t.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`)
    return result
  }

  const add = await run(['nas', 'add', 'vpn', '--network', '192.0.2.0/24', '--network', '2001:db8::/64', '--secret-file', secretFile, '--identifier', 'vpn-gw-1'])
  t.equal(add.stdout, 'NAS "vpn" added\n')
  await run(['nas', 'add', 'fw', '--network', '198.51.100.7', '--message-authenticator', 'auto'], { AGENTXML_NAS_SECRET: 'firewall-secret-000001' })
  const list = await run(['nas', 'list'])
  t.match(list.stdout, /^NAME +NETWORKS +NAS-ID +MESSAGE-AUTH +TWO-STAGE +PASSWORD +GROUPS +CREATED\n/)
  t.match(list.stdout, /\nfw +198\.51\.100\.7\/32 +- +auto +no +no +- +\d{4}-/)
  t.match(list.stdout, /\nvpn +192\.0\.2\.0\/24,2001:db8::\/64 +vpn-gw-1 +required +no +no +- +\d{4}-/)
  const show = await run(['nas', 'show', 'vpn'])
  t.match(show.stdout, /^name +vpn\nnetworks +192\.0\.2\.0\/24, 2001:db8::\/64\nsecret +set \(sealed\)\nNAS-Identifier +vpn-gw-1\nMessage-Authenticator +required\n/)
  t.match(show.stdout, /groups +none\n/)

  const set = await run(['nas', 'set', 'vpn', '--network', '192.0.2.10', '--no-check-password', '--no-identifier'])
  t.equal(set.stdout, 'NAS "vpn" updated: networks, identifier\n')
  const again = await run(['nas', 'set', 'vpn', '--no-two-stage', '--secret-file', secretFile])
  t.equal(again.stdout, 'NAS "vpn" unchanged\n', 'the same secret again is no change')
  const newSecret = await run(['nas', 'set', 'vpn'], { AGENTXML_NAS_SECRET: 'a-brand-new-secret-000000' })
  t.equal(newSecret.stdout, 'NAS "vpn" updated: secret\n', 'named, never shown')
  t.match((await run(['nas', 'show', 'vpn'])).stdout, /networks +192\.0\.2\.10\/32\n[^]*NAS-Identifier +none\n[^]*password check +no\ngroups +none\n/)
  t.equal((await run(['nas', 'set', 'vpn', '--two-stage'])).stdout, 'NAS "vpn" updated: two-stage\n')
  refused(t, await cli(['nas', 'set', 'vpn', '--check-password'], db), /a NAS takes one of them\n$/)
  t.equal((await run(['nas', 'set', 'vpn', '--no-two-stage', '--check-password'])).stdout, 'NAS "vpn" updated: two-stage, password check\n')

  for (const output of outputs) t.notMatch(output.stdout + output.stderr, /vpn-shared-secret|firewall-secret|brand-new-secret/, 'no secret in any output')
  const text = await rowsText(db)
  t.notOk(/vpn-shared-secret|firewall-secret|brand-new-secret/.test(text), 'no row of nas_clients or audit_log holds a secret')
  if (testEngine === 'sqlite') {
    for (const file of readdirSync(dir).filter((f) => f.startsWith('agentxml.db'))) {
      t.notOk(/vpn-shared-secret|firewall-secret|brand-new-secret/.test(readFileSync(join(dir, file), 'latin1')), `${file} holds no plaintext of a secret`)
    }
  }

  t.equal((await run(['nas', 'delete', 'fw'])).stdout, 'NAS "fw" deleted\n')
  t.match((await run(['nas', 'list'])).stdout, /^NAME[^\n]*\nvpn /)

  const opened = await openDatabase(db)
  const audit = await opened.db.selectFrom('audit_log').select(['event', 'message', 'actor', 'actor_type', 'outcome']).where('event', 'like', 'nas%').orderBy('id').execute()
  await opened.store.close()
  t.same(audit, [
    { event: 'nasAdded', message: 'NAS "vpn" added', actor: operator, actor_type: 'operator', outcome: 'success' },
    { event: 'nasAdded', message: 'NAS "fw" added', actor: operator, actor_type: 'operator', outcome: 'success' },
    { event: 'nasUpdated', message: 'NAS "vpn" updated: networks, identifier', actor: operator, actor_type: 'operator', outcome: 'success' },
    { event: 'nasUpdated', message: 'NAS "vpn" updated: secret', actor: operator, actor_type: 'operator', outcome: 'success' },
    { event: 'nasUpdated', message: 'NAS "vpn" updated: two-stage', actor: operator, actor_type: 'operator', outcome: 'success' },
    { event: 'nasUpdated', message: 'NAS "vpn" updated: two-stage, password check', actor: operator, actor_type: 'operator', outcome: 'success' },
    { event: 'nasDeleted', message: 'NAS "fw" deleted', actor: operator, actor_type: 'operator', outcome: 'success' },
  ], 'each change has its audit row: the operating-system user acted, the NAS is what changed')
})

t.test('the command refuses in one line on stderr', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const env = { AGENTXML_NAS_SECRET: secret }
  const add = (args: string[], withEnv: NodeJS.ProcessEnv = env) => cli(['nas', 'add', 'vpn', ...args], db, withEnv)
  t.equal((await add(['--network', '192.0.2.1'])).status, 0)

  refused(t, await add(['--network', '192.0.2.1']), 'agentxml: NAS "vpn" already exists\n')
  refused(t, await cli(['nas', 'add', 'x', '--network', '10.0.0.0/8', '--network', '192.0.2.1/32'], db, env), `agentxml: network 192.0.2.1/32 is already NAS "vpn"'s: a packet from it could go to only one of them\n`)
  refused(t, await cli(['nas', 'add', 'x', '--network', '192.0.2.2'], db, { AGENTXML_NAS_SECRET: 'too-short' }), 'agentxml: NAS secret must be 16 to 128 printable ASCII characters\n')
  refused(t, await cli(['nas', 'add', 'x'], db, env), 'agentxml: a NAS needs at least one network, the addresses its packets come from\n')
  refused(t, await cli(['nas', 'add', 'x', '--network', '10.0.0.0/33'], db, env), 'agentxml: "10.0.0.0/33" is not a network in CIDR form')
  refused(t, await cli(['nas', 'add', 'x', '--network', '10.0.0.0/8', '--groups', 'vpn'], db, env), /--groups and --group-format go together; try agentxml nas --help/, 2)
  refused(t, await cli(['nas', 'add', 'x', '--network', '10.0.0.0/8', '--group-format', 'cisco'], db, env), /--groups and --group-format go together/, 2)
  refused(t, await cli(['nas', 'add', 'x', '--network', '10.0.0.0/8', '--groups', 'vpn', '--group-format', 'juniper'], db, env), 'agentxml: group format must be cisco, fortinet or watchguard, not "juniper"\n')
  refused(t, await cli(['nas', 'add', 'x', '--network', '10.0.0.0/8', '--message-authenticator', 'sometimes'], db, env), 'agentxml: Message-Authenticator must be required, auto or off, not "sometimes"\n')
  refused(t, await cli(['nas', 'add', 'x', '--network', '10.0.0.0/8'], db), /nas add needs the shared secret: --secret-file FILE or AGENTXML_NAS_SECRET/, 2)
  refused(t, await cli(['nas', 'add', 'x', '--network', '10.0.0.0/8', '--secret', secret], db), /there is no --secret \(process lists show the command line\)/, 2)
  refused(t, await cli(['nas', 'add', 'x', '--network', '10.0.0.0/8', `--secret=${secret}`], db), /there is no --secret/, 2)
  refused(t, await cli(['nas', 'add', 'x', '--network', '10.0.0.0/8', '--secret-file', join(dir, 'missing')], db), 'agentxml: cannot read the secret file')
  refused(t, await cli(['nas', 'add', 'a/b', '--network', '10.0.0.0/8'], db, env), 'agentxml: NAS name "a/b" is not allowed')
  refused(t, await cli(['nas', 'show', 'nope'], db), 'agentxml: NAS "nope" not found\n')
  refused(t, await cli(['nas', 'set', 'nope', '--two-stage'], db), 'agentxml: NAS "nope" not found\n')
  refused(t, await cli(['nas', 'delete', 'nope'], db), 'agentxml: NAS "nope" not found\n')
  refused(t, await cli(['nas', 'set', 'vpn'], db), /nas set needs something to change/, 2)
  refused(t, await cli(['nas', 'set', 'vpn', '--group-format', 'cisco'], db), 'agentxml: a group format needs a groups keyword\n')
  refused(t, await cli(['nas', 'set', 'vpn', '--groups', 'vpn'], db), 'agentxml: groups need a group format (cisco, fortinet or watchguard)\n')
  refused(t, await cli(['nas', 'add', 'y', '--network', '10.0.0.0/8', '--two-stage', '--check-password'], db, env), 'agentxml: --two-stage checks the directory password in its first stage and --check-password in the one field: a NAS takes one of them\n')
  refused(t, await cli(['nas', 'set', 'vpn', '--two-stage', '--no-two-stage'], db), /--two-stage and --no-two-stage go separately/, 2)
  t.match((await cli(['nas', '--help'], db)).stdout, /There is no\s+--secret: process lists show the command line/, 'the help says why')
})

t.test('nasFor: the narrowest network wins, an uncovered address has none; the settings see each change', async (t) => {
  const { services } = await build(t)
  await addNas(services, { name: 'site', networks: ['10.0.0.0/8', '2001:db8::/32'], secret: 'site-secret-0000001' })
  await addNas(services, { name: 'gateway', networks: ['10.1.2.3'], secret: 'gateway-secret-00001' })
  await addNas(services, { name: 'branch', networks: ['10.1.0.0/16'], secret: 'branch-secret-000001', messageAuthenticator: 'auto' })
  const settings = await services.store.settings()
  const of = (address: string) => nasFor(settings, address)?.name
  t.equal(of('10.1.2.3'), 'gateway', 'a /32 inside a /16 inside a /8')
  t.equal(of('::ffff:10.1.2.3'), 'gateway', 'an IPv4-mapped address is its IPv4 address')
  t.equal(of('10.1.9.9'), 'branch')
  t.equal(of('10.200.0.1'), 'site')
  t.equal(of('2001:db8::5'), 'site')
  t.equal(of('192.0.2.1'), undefined, 'no NAS covers it')
  t.equal(of('2001:db9::1'), undefined)
  t.equal(of('not an address'), undefined)
  const gateway = nasFor(settings, '10.1.2.3')
  t.equal(gateway && nasSecret(services.keys, gateway).toString(), 'gateway-secret-00001', 'the secret opens with the master key')

  // one network, one NAS (the same network in other words too); a narrower one inside it is another
  await t.rejects(addNas(services, { name: 'copy', networks: ['192.0.2.0/24', '10.1.0.0/16'], secret: 'copy-secret-0000001' }), /network 10\.1\.0\.0\/16 is already NAS "branch"'s/)
  await t.rejects(addNas(services, { name: 'copy', networks: ['10.1.2.3/32'], secret: 'copy-secret-0000001' }), /network 10\.1\.2\.3\/32 is already NAS "gateway"'s/)
  await t.rejects(addNas(services, { name: 'copy', networks: ['10.1.99.99/16'], secret: 'copy-secret-0000001' }), /network 10\.1\.0\.0\/16 is already NAS "branch"'s/, 'host bits aside, the same network')
  await t.rejects(addNas(services, { name: 'copy', networks: ['2001:0db8:0::/32'], secret: 'copy-secret-0000001' }), /network 2001:db8::\/32 is already NAS "site"'s/)
  await t.rejects(changeNas(services, 'branch', { networks: ['10.0.0.0/8'] }), /network 10\.0\.0\.0\/8 is already NAS "site"'s/)
  t.equal((await showNas(services, 'branch')).networks.join(), '10.1.0.0/16', 'a refused change changes nothing')
  t.same(await changeNas(services, 'branch', { networks: ['10.1.0.0/16', '10.1.5.0/24'] }), ['networks'], 'a NAS keeps its own networks and adds a narrower one')
  await addNas(services, { name: 'narrow', networks: ['10.1.2.0/24'], secret: 'narrow-secret-000001' })
  t.equal(nasFor(await services.store.settings(), '10.1.2.9')?.name, 'narrow', 'a narrower network inside others is allowed')
  await deleteNas(services, 'narrow')
  await changeNas(services, 'branch', { networks: ['10.1.0.0/16'] })

  await changeNas(services, 'gateway', { networks: ['192.0.2.1'] })
  const changed = await services.store.settings()
  t.not(changed, settings, 'a NAS change moves the settings version')
  t.equal(nasFor(changed, '10.1.2.3')?.name, 'branch')
  t.equal(nasFor(changed, '192.0.2.1')?.name, 'gateway')
  const moved = nasFor(changed, '192.0.2.1')
  t.equal(moved && nasSecret(services.keys, moved).toString(), 'gateway-secret-00001', 'a change leaves the secret as it was')

  const branch = nasFor(changed, '10.1.9.9')
  if (branch) await learnMessageAuthenticator(services, branch)
  t.equal((await showNas(services, 'branch')).messageAuthenticatorSeen, true, 'auto learnt it')
  const learnt = await services.store.settings()
  t.equal(nasFor(learnt, '10.1.9.9')?.seen_message_authenticator, 1, 'and every node sees it in its settings')
  t.same(await changeNas(services, 'branch', { messageAuthenticator: 'auto' }), ['message authenticator'], 'given again, auto forgets')
  t.equal((await showNas(services, 'branch')).messageAuthenticatorSeen, false)

  await deleteNas(services, 'site')
  t.equal(nasFor(await services.store.settings(), '10.200.0.1'), undefined, 'a deleted NAS covers nothing')
  await t.rejects(addNas(services, { name: 'nul\u0000', networks: ['10.0.0.0/8'], secret: 'some-long-secret-000' }), /NAS name .* is not allowed/)
  await t.rejects(showNas(services, 'nul\u0000'), /not found/)
  await t.rejects(addNas(services, { name: 'ctl', networks: ['10.0.0.0/8'], secret: 'some-long-secret\u0000000' }), /printable ASCII/)
  await t.rejects(addNas(services, { name: 'id', networks: ['10.0.0.0/8'], secret: 'some-long-secret-000', identifier: 'x'.repeat(254) }), /NAS-Identifier must be 1 to 253 bytes/)
  await t.rejects(addNas(services, { name: 'long', networks: ['10.0.0.0/8'], secret: 'x'.repeat(129) }), /16 to 128/)
})

t.test('a record naming a NAS has it as the actor of its audit row, which both engines store', async (t) => {
  const { services } = await build(t)
  const entry = auditEntryOf({ level: 30, event: 'loginOk', msg: 'Login successful', nas: 'vpn', user: 'alice', ip: '192.0.2.1' }, 1)
  t.match(entry, { actor: 'vpn', actor_type: 'nas', user_name: 'alice', source: '192.0.2.1' })
  if (entry) await services.store.insertAudit([{ ...entry, node: 'n1' }])
  const rows = await services.db.selectFrom('audit_log').select(['actor', 'actor_type']).where('actor_type', '=', 'nas').execute()
  t.same(rows, [{ actor: 'vpn', actor_type: 'nas' }])
  await t.rejects(sql`INSERT INTO audit_log (time, event, message, actor_type, outcome) VALUES (1, 'e', 'm', 'robot', 'success')`.execute(services.db), 'other actor types are still refused')
})
