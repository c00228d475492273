import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { openDatabase } from '../src/db/index.js'
import { findUserByKey, updateUser } from '../src/db/repositories/users.js'
import { databaseSettings, downPort, queueRow, tempDir } from './helpers/delivery.js'
import { runCli } from './helpers/processes.js'
import { startSmtp } from './helpers/smtp.js'

// real processes (or a real browser) on a shared machine: more than the default two minutes
t.setTimeout(300_000)

t.test('queue retry: a failed message is sent by the command itself, once', async (t) => {
  const dir = tempDir(t)
  const port = await downPort()
  const env = {
    ...(await databaseSettings(t, dir)),
    AGENTXML_RETRY_DELAYS: '1',
    AGENTXML_SMTP_URL: `smtp://127.0.0.1:${port}`,
    AGENTXML_SMTP_FROM: 'noreply@example.com',
  }
  await runCli(['init'], env) // only serve and init make a new database
  await runCli(['user', 'add', 'alice', '--pin', '2468', '--email', 'alice@example.com', '--transport', 'email'], env)
  t.equal((await runCli(['reprovision', 'alice'], env)).status, 0)
  const { id } = await queueRow(env, 'alice')
  await sleep(1100)
  const retried = await runCli(['queue', 'retry', String(id)], env)
  t.match(retried.stdout, `message ${id} not sent yet`)
  t.match(retried.stderr, /failed after 2 tries/)
  t.equal((await queueRow(env, 'alice')).status, 'failed')

  const smtp = await startSmtp({ port })
  t.teardown(() => smtp.close())
  const again = await runCli(['queue', 'retry', String(id)], env)
  t.equal(again.status, 0, again.stderr)
  t.match(again.stdout, 'Message sent to user: alice, destination: alice@example.com.')
  t.match(again.stdout, `message ${id} sent`)
  t.equal((await smtp.waitForMails(1)).length, 1)
  const twice = await runCli(['queue', 'retry', String(id)], env)
  t.equal(twice.status, 1)
  t.equal(twice.stderr, `agentxml: message ${id} cannot be retried: it was sent\n`)
  t.equal(smtp.mails.length, 1)
  t.equal((await runCli(['queue', 'retry', 'x'], env)).status, 2, 'a usage error')
})

t.test('reprovision of a user with no usable destination fails clearly and leaves no code', async (t) => {
  const dir = tempDir(t)
  const env = { ...(await databaseSettings(t, dir)) }
  await runCli(['init'], env) // only serve and init make a new database
  // add and set refuse an sms user without a phone number now; a database from before may hold one
  t.equal((await runCli(['user', 'add', 'bob', '--transport', 'sms'], env)).status, 1, 'refused on add')
  t.equal((await runCli(['user', 'add', 'bob', '--pin', '2468', '--transport', 'sms', '--phone', '+15550100'], env)).status, 0)
  const { db, store } = await openDatabase(env.AGENTXML_DB)
  await updateUser(db, (await findUserByKey(db, 'bob'))?.id ?? 0, { phone: null })
  await store.close()
  const printed = await runCli(['reprovision', 'bob', '--print-code'], env)
  t.match(printed.stdout.trim().split('\n').at(-1), /^[A-Z2-9]{10}$/)
  const refused = await runCli(['reprovision', 'bob'], env)
  t.equal(refused.status, 1)
  t.equal(
    refused.stderr,
    'Provision code not created for user "bob": no phone number for the sms transport\nagentxml: user "bob" has no phone number for the sms transport\n',
  )
  t.match((await runCli(['user', 'show', 'bob'], env)).stdout, /pending code\s+none/)
  t.match((await runCli(['queue', 'list'], env)).stdout.trim(), /^ID\s+USER/, 'the queue is empty')
})

t.test('the message wording is a template the administrator replaces', async (t) => {
  const dir = tempDir(t)
  const template = join(dir, 'provision.txt')
  writeFileSync(template, 'Subject: Acme mobile set-up for {user}\n\nHello {user}, your code: {code} ({validity}, until {expires}).\nSite ID: {site}\n')
  const env = { ...(await databaseSettings(t, dir)), AGENTXML_MESSAGE_TEMPLATE: template, AGENTXML_SITE_ID: 'acme-corp' }
  await runCli(['init'], env) // only serve and init make a new database
  await runCli(['user', 'add', 'alice', '--pin', '2468', '--email', 'alice@example.com', '--transport', 'outbox'], env)
  await runCli(['policy', 'set', 'provision-code-validity', '3600'], env)
  t.equal((await runCli(['reprovision', 'alice'], env)).status, 0)
  const line = JSON.parse(readFileSync(join(dir, 'outbox.jsonl'), 'utf8').trim()) as { subject: string; body: string }
  t.equal(line.subject, 'Acme mobile set-up for alice')
  t.match(line.body, /^Hello alice, your code: [A-Z2-9]{10} \(1 hour, until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)\.\nSite ID: acme-corp$/)

  writeFileSync(template, 'Your code is {kode}\n')
  const bad = await runCli(['reprovision', 'alice'], env)
  t.equal(bad.status, 1)
  t.match(bad.stderr, /^agentxml: .*provision\.txt: message template: unknown placeholder \{kode\}/)
  const served = await runCli(['serve', '--port', '0'], env)
  t.equal(served.status, 1, 'the server refuses to start with it too')
})
