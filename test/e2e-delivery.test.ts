import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { databaseSettings, downPort, provisionOverHttp, queueRow, tempDir } from './helpers/delivery.js'
import { runCli, startServerProcess } from './helpers/processes.js'
import { codeIn, startSmtp } from './helpers/smtp.js'

// real processes (or a real browser) on a shared machine: more than the default two minutes
t.setTimeout(300_000)

t.test('SMTP down, retries, a server restart, SMTP up: the mail is delivered exactly once', async (t) => {
  const dir = tempDir(t)
  const port = await downPort()
  // retries in seconds, not minutes, and enough of them to outlast a slow restart; after the
  // server's first try, 5 s to the next, so that the row is read between tries, not during one
  const env = { ...(await databaseSettings(t, dir)), AGENTXML_RETRY_DELAYS: ['1', ...Array(19).fill('5')].join(',') }
  const delivery = ['--smtp-url', `smtp://127.0.0.1:${port}`, '--smtp-from', 'AgentXML <noreply@example.com>']
  await runCli(['init'], env) // only serve and init make a new database
  t.equal((await runCli(['user', 'add', 'alice', '--pin', '2468', '--email', 'alice@example.com', '--transport', 'email'], env)).status, 0)

  let server = await startServerProcess(delivery, env)
  t.teardown(() => server.stop())
  t.match(server.records.find((r) => /^message transports:/.test(r.msg ?? ''))?.msg, `email (smtp://127.0.0.1:${port})`)

  const reprovision = await runCli(['reprovision', 'alice', ...delivery], env)
  t.equal(reprovision.status, 0, reprovision.stderr)
  t.same(reprovision.stdout.trim().split('\n'), [
    'Provision code created for user "alice"',
    'Message added to message queue for user: alice, destination: alice@example.com.',
    'User "alice" can now reprovision their mobile device.',
  ])
  t.match(reprovision.stderr, /Message to user: alice not sent, will retry: SMTP smtp:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/, 'the command tried at once')

  await server.waitFor((r) => r.event === 'messageRetry')
  const waiting = await queueRow(env, 'alice')
  t.equal(waiting.status, 'queued')
  t.ok(waiting.tries >= 2, `tried by the command and the server (${waiting.tries})`)
  t.match(waiting.lastError, /ECONNREFUSED/)
  t.equal(await server.stop(), 0, 'the server stops cleanly')

  const smtp = await startSmtp({ port })
  t.teardown(() => smtp.close())
  server = await startServerProcess(delivery, env)
  const [mail] = await smtp.waitForMails(1, 30_000)
  await server.waitFor((r) => r.event === 'messageSent')
  await sleep(1500)
  t.equal(smtp.mails.length, 1, 'exactly one mail')
  t.same(mail?.to, ['alice@example.com'])
  t.equal(server.records.find((r) => r.event === 'messageSent')?.msg, 'Message sent to user: alice, destination: alice@example.com.')
  const sent = await queueRow(env, 'alice')
  t.equal(sent.status, 'sent')
  const code = codeIn(mail?.text ?? '') ?? ''
  t.notOk(sent.output.includes(code), 'queue list never shows the code')
  t.notOk(JSON.stringify(server.records).includes(code), 'no server log line holds the code')
  t.equal(await provisionOverHttp(server.url, 'alice', code), 'PASS', 'the delivered code provisions the app')
})

t.test('a command uses the shared SMTP settings; configured nowhere, it refuses as the console does', async (t) => {
  const dir = tempDir(t)
  const smtp = await startSmtp()
  t.teardown(() => smtp.close())
  const env = { ...(await databaseSettings(t, dir)) }
  await runCli(['init'], env) // only serve and init make a new database
  await runCli(['user', 'add', 'alice', '--pin', '2468', '--email', 'alice@example.com', '--transport', 'email'], env)
  const refused = await runCli(['reprovision', 'alice'], env)
  t.equal(refused.status, 1, 'no SMTP anywhere: nothing is queued that nobody can send')
  t.match(refused.stderr, /the email transport is not configured/)
  t.equal((await runCli(['settings', 'set', 'smtp-url', `smtp://127.0.0.1:${smtp.port}`], env)).status, 0)
  t.equal((await runCli(['settings', 'set', 'smtp-from', 'noreply@example.com'], env)).status, 0)
  const reprovision = await runCli(['reprovision', 'alice'], env)
  t.equal(reprovision.status, 0, reprovision.stderr)
  t.match(reprovision.stdout, 'Message sent to user: alice, destination: alice@example.com.')
  t.equal((await smtp.waitForMails(1)).length, 1)
})
