// `agentxml settings` (issue #26): a round trip, one-line refusals checked as the flags are, a
// sealed value never shown, logged or audited, and every change audited with the OS user.
import { userInfo } from 'node:os'
import t from 'tap'
import { openDatabase } from '../src/db/index.js'
import { startSmtp } from './helpers/smtp.js'
import { mustRun, runCli } from './e2e/helpers/cli.js'
import { databaseIn, tempDir } from './e2e/helpers/paths.js'

t.setTimeout(300_000)

const token = 'tok-3f9a-never-shown'

t.test('settings set, show and unset; refusals in one line; secrets sealed and never echoed', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const run = (args: string[]) => runCli(args, { db, env: { SUDO_USER: '' } })
  const outputs: string[] = []
  const ok = async (args: string[]) => {
    const result = await mustRun(args, { db, env: { SUDO_USER: '' } })
    outputs.push(result.stdout, result.stderr)
    return result
  }
  t.equal((await ok(['settings', 'set', 'smtp-url', `smtp://mailer:${token}@mail.example.com:587`])).stdout, 'Setting "smtp-url" set (sealed): smtp://mail.example.com:587 with a user name and password\n')
  await ok(['settings', 'set', 'sms-url', 'https://gw.example.com/send?to={destination}'])
  await ok(['settings', 'set', 'sms-header', `Authorization: Bearer ${token}`, 'X-Account: 42'])
  await ok(['settings', 'set', 'site-id', 'acme'])
  const show = (await ok(['settings', 'show'])).stdout
  t.match(show, /^smtp-url +set \(sealed\): smtp:\/\/mail\.example\.com:587 with a user name and password$/m)
  t.match(show, /^sms-header +set \(sealed\): 2 headers$/m)
  t.match(show, /^site-id +acme$/m)
  t.match(show, /^smtp-from +-$/m)
  t.notOk(outputs.some((text) => text.includes(token)), 'no output of the command holds the secret')

  const refusals: [string[], number, string][] = [
    [['settings', 'set', 'nope', '1'], 1, 'agentxml: unknown setting "nope"; known: smtp-url, smtp-from, smtp-require-tls, smtp-ca, sms-url, sms-method, sms-header, sms-body, site-id, public-url, message-template, pin-message-template, retry-delays\n'],
    [['settings', 'set', 'retry-delays', 'soon'], 1, 'agentxml: retry-delays must be 1 to 20 comma-separated numbers of seconds (1-86400), not "soon"\n'],
    [['settings', 'set', 'smtp-from', 'nobody'], 1, 'agentxml: smtp-from must be an address (noreply@example.com or "Name <noreply@example.com>"), not "nobody"\n'],
    [['settings', 'set', 'smtp-url', 'http://x'], 1, 'agentxml: smtp-url must start with smtp:// or smtps://\n'],
    [['settings', 'set', 'message-template', 'hello'], 2, 'agentxml: message-template takes --file FILE (its text); try agentxml settings --help\n'],
    [['settings', 'set', 'sms-method', 'GET'], 0, ''],
  ]
  for (const [args, status, stderr] of refusals) {
    const result = await run(args)
    t.same([result.status, result.stderr], [status, stderr], args.join(' '))
  }
  const contradiction = await run(['settings', 'set', 'sms-body', '{"to":"{destination}"}'])
  t.same([contradiction.status, contradiction.stderr], [1, 'agentxml: sms-body needs sms-method POST or PUT\n'], 'a body with GET is refused, as the flags are')
  t.match((await ok(['settings', 'unset', 'site-id'])).stdout, 'Setting "site-id" unset')
  t.match((await ok(['settings', 'show'])).stdout, /^site-id +-$/m)

  const opened = await openDatabase(db)
  try {
    const rows = await opened.db.selectFrom('audit_log').select(['event', 'actor', 'actor_type', 'message']).where('event', '=', 'deliverySettingChanged').orderBy('id').execute()
    t.equal(rows.length, 6, 'one row a change')
    t.ok(rows.every((row) => row.actor === userInfo().username && row.actor_type === 'operator'), 'each names the OS user')
    t.notOk(JSON.stringify(await opened.db.selectFrom('audit_log').selectAll().execute()).includes(token), 'no audit row holds the secret')
    const stored = await opened.db.selectFrom('delivery_settings').selectAll().execute()
    t.notOk(stored.some((row) => (row.value ?? '').includes(token) || (row.sealed?.includes(Buffer.from(token)) ?? false)), 'stored sealed')
  } finally {
    await opened.store.close()
  }
})

t.test('--smtp-url takes its sender from the shared smtp-from; with neither, one line and nothing sent', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const smtp = await startSmtp()
  t.teardown(() => smtp.close())
  await mustRun(['user', 'add', 'alice', '--email', 'alice@example.com', '--transport', 'email', '--pin', '4826'], { db })
  const reprovision = () => runCli(['reprovision', 'alice', '--smtp-url', `smtp://127.0.0.1:${smtp.port}`], { db })

  const refused = await reprovision()
  t.same([refused.status, refused.stderr], [1, 'agentxml: --smtp-url needs --smtp-from (the sender address), or the shared setting (agentxml settings set smtp-from ADDRESS)\n'], 'no sender anywhere: one line')
  t.equal(smtp.mails.length, 0, 'nothing sent')

  await mustRun(['settings', 'set', 'smtp-from', 'AgentXML <noreply@example.com>'], { db })
  t.match((await reprovision()).stdout, /Message sent to user: alice/, 'the flag with the shared sender sends')
  const [mail] = await smtp.waitForMails(1)
  t.equal(mail?.from, 'noreply@example.com', 'from the shared sender')
})
