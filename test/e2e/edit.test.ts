// `agentxml user set` and `agent set` as an administrator runs them: what is given changes, the
// rest stays, the same rules as on add, a running server sees the change, and the audit log
// records it without any secret.
import { join } from 'node:path'
import t from 'tap'
import { openDatabase } from '../../src/db/index.js'
import { findUserByKey } from '../../src/db/repositories/users.js'
import type { Services } from '../../src/domain/services.js'
import { openPin } from '../../src/domain/users.js'
import { deriveKeys, loadMasterKey } from '../../src/secrets.js'
import { mustRun, runCli } from './helpers/cli.js'
import { postXml } from './helpers/http.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { startServer } from './helpers/server.js'
import { outcome, reprovisionXml } from './helpers/xml.js'

t.setTimeout(300_000)
t.jobs = 2

/** `user show` as field → value. */
async function shown(db: string, name: string): Promise<Record<string, string>> {
  const { stdout } = await mustRun(['user', 'show', name], { db })
  return Object.fromEntries(stdout.trim().split('\n').map((line) => [line.slice(0, 15).trim(), line.slice(15).trim()]))
}

async function auditRows(db: string) {
  const handle = await openDatabase(db)
  try {
    return await handle.db.selectFrom('audit_log').select(['event', 'message', 'user_name']).orderBy('id').execute()
  } finally {
    await handle.store.close()
  }
}

t.test('user set changes what it is given and leaves the rest', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const cli = (args: string[]) => mustRun(args, { db })
  // added without a PIN: one is made and queued to the user (send-pin-on-create), never printed
  t.equal(
    (await cli(['user', 'add', 'alice', '--email', 'alice@example.com', '--transport', 'outbox'])).stdout,
    'User "alice" added\nPIN created for user: alice\nMessage added to message queue for user: alice, destination: alice@example.com.\n',
  )

  const moved = await cli(['user', 'set', 'alice', '--phone', '+44 7700 900123', '--transport', 'sms'])
  t.equal(moved.stdout, 'User "alice" updated: transport, phone\n')
  t.match(await shown(db, 'alice'), { transport: 'sms', phone: '+44 7700 900123', email: 'alice@example.com', pin: /^set on / }, 'the address not given stays')

  t.equal((await cli(['user', 'set', 'alice', '--no-email'])).stdout, 'User "alice" updated: email removed\n')
  t.match(await shown(db, 'alice'), { email: '-', phone: '+44 7700 900123' })
  await cli(['user', 'set', 'alice', '--email', 'a@example.com'])
  t.equal((await cli(['user', 'set', 'alice', '--email', ''])).stdout, 'User "alice" updated: email removed\n', "--email '' removes it too")

  // the rules of add: an sms user keeps a phone number, an email user needs an address
  const stranded = await runCli(['user', 'set', 'alice', '--no-phone'], { db })
  t.same([stranded.status, stranded.stderr], [1, 'agentxml: the sms transport needs a phone number\n'])
  const noAddress = await runCli(['user', 'set', 'alice', '--transport', 'email'], { db })
  t.same([noAddress.status, noAddress.stderr], [1, 'agentxml: the email transport needs an email address\n'])
  // six digits: never the random four-digit PIN alice was sent, which history would refuse
  t.match(await shown(db, 'alice'), { transport: 'sms', phone: '+44 7700 900123' }, 'a refused change changes nothing')

  t.equal((await cli(['user', 'set', 'alice', '--pin', '246813'])).stdout, 'User "alice" updated: PIN\n')
  const handle = await openDatabase(db)
  const keys = deriveKeys(loadMasterKey({ fromEnv: undefined, keyFile: join(dir, 'agentxml.key'), create: false }))
  const stored = await findUserByKey(handle.db, 'alice')
  await handle.store.close()
  t.equal(openPin({ keys } as Services, stored ?? ({} as never)), '246813', 'the PIN is stored sealed and opens to what was given')
  t.match((await shown(db, 'alice')).pin, /^set on \d{4}-/)
  t.equal((await cli(['user', 'set-pin', 'alice', '135792'])).stdout, 'User "alice" updated: PIN\n', 'set-pin is the same change')
  t.equal((await cli(['user', 'set', 'alice', '--no-pin'])).stdout, 'User "alice" updated: PIN removed\n')
  t.equal((await shown(db, 'alice')).pin, 'not set')
  t.equal((await cli(['user', 'set', 'alice', '--no-pin'])).stdout, 'user "alice" unchanged\n', 'removing what is not there changes nothing')
  t.equal((await cli(['user', 'set', 'alice', '--transport', 'sms'])).stdout, 'user "alice" unchanged\n')

  const rows = await auditRows(db)
  t.same(
    rows.map((r) => r.message),
    [
      'User "alice" added',
      'PIN created for user: alice',
      'Message added to message queue for user: alice, destination: alice@example.com.',
      'User "alice" updated: transport, phone',
      'User "alice" updated: email removed',
      'User "alice" updated: email',
      'User "alice" updated: email removed',
      'User "alice" updated: PIN',
      'User "alice" updated: PIN',
      'User "alice" updated: PIN removed',
    ],
    'every change is in the audit log, refused ones and non-changes are not',
  )
  t.ok(rows.every((r) => r.user_name === 'alice' && /^(user(Added|Updated)|pinCreated|messageQueued)$/.test(r.event)))
  t.notMatch(JSON.stringify(rows), /246813|135792/, 'no PIN in the audit log')
})

t.test('user add refuses a user their transport cannot reach', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  for (const [transport, problem] of [
    ['email', 'the email transport needs an email address'],
    ['sms', 'the sms transport needs a phone number'],
  ] as const) {
    const refused = await runCli(['user', 'add', 'dave', '--transport', transport], { db })
    t.same([refused.status, refused.stderr], [1, `agentxml: ${problem}\n`], `${transport} without a destination`)
  }
  t.equal((await runCli(['user', 'show', 'dave'], { db })).status, 1, 'dave was not added')
  await mustRun(['user', 'add', 'dave', '--pin', '2468', '--transport', 'email', '--email', 'dave@example.com'], { db })
  t.match(await shown(db, 'dave'), { transport: 'email', email: 'dave@example.com' })
})

t.test('agent set: a running server sees a new secret, networks and the AdminXML flag at once', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const cli = (args: string[]) => mustRun(args, { db })
  const server = await startServer(t, { db })
  await cli(['user', 'add', 'alice'])
  t.equal((await cli(['agent', 'add', 'vpn', '--secret', 'first-secret-123'])).stdout, 'Agent "vpn" added\n')
  const reprovision = async (secret: string) => outcome((await postXml(server.url, reprovisionXml(secret, 'alice'))).body)
  t.same(await reprovision('first-secret-123'), { result: 'PASS', error: undefined })

  t.equal((await cli(['agent', 'set', 'vpn', '--secret', 'second-secret-456'])).stdout, 'Agent "vpn" updated: secret\n')
  t.same(await reprovision('first-secret-123'), { result: 'FAIL', error: 'AGENT_ERROR_AGENT_ACCESS' }, 'the old secret is refused')
  t.same(await reprovision('second-secret-456'), { result: 'PASS', error: undefined }, 'the new one works')

  t.equal((await cli(['agent', 'set', 'vpn', '--network', '10.0.0.0/8', '--network', '192.0.2.7'])).stdout, 'Agent "vpn" updated: networks\n')
  t.match((await cli(['agent', 'list'])).stdout, /^vpn +10\.0\.0\.0\/8,192\.0\.2\.7\/32 +no /m, 'the networks given replace the list')
  t.same(await reprovision('second-secret-456'), { result: 'FAIL', error: 'AGENT_ERROR_AGENT_ACCESS' }, 'this host is no longer one of them')
  await cli(['agent', 'set', 'vpn', '--network', '127.0.0.1'])
  t.same(await reprovision('second-secret-456'), { result: 'PASS', error: undefined })

  const read = async () => (await postXml(server.url, `<AdminRequest secret="second-secret-456" version="3.6"><Read><User name="alice"/></Read></AdminRequest>`, '/pinsafe/AdminXML')).body
  t.notMatch(await read(), '<Result>PASS</Result>', 'not an admin agent: AdminXML refused')
  t.equal((await cli(['agent', 'set', 'vpn', '--admin'])).stdout, 'Agent "vpn" updated: admin\n')
  t.match(await read(), '<Read user="alice"><Result>PASS</Result>', 'an admin agent now')
  t.equal((await cli(['agent', 'set', 'vpn', '--no-admin'])).stdout, 'Agent "vpn" updated: admin\n')
  t.notMatch(await read(), '<Result>PASS</Result>', 'and no longer')
  t.equal((await cli(['agent', 'set', 'vpn', '--no-admin'])).stdout, 'agent "vpn" unchanged\n')

  const refused = await runCli(['agent', 'set', 'vpn', '--network', '10.0.0.0/33'], { db })
  t.equal(refused.status, 1)
  t.match((await cli(['agent', 'list'])).stdout, /^vpn +127\.0\.0\.1\/32 /m, 'a refused change changes nothing')

  const rows = (await auditRows(db)).filter((r) => r.event === 'agentUpdated').map((r) => r.message)
  t.same(rows, ['Agent "vpn" updated: secret', 'Agent "vpn" updated: networks', 'Agent "vpn" updated: networks', 'Agent "vpn" updated: admin', 'Agent "vpn" updated: admin'])
  t.notMatch(JSON.stringify(await auditRows(db)) + server.output(), /first-secret-123|second-secret-456/, 'no secret in the audit log or the server log')
})
