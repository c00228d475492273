// What was answered stays answered: kill -9 right after a reply, restart on the same database.
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { mustRun } from './helpers/cli.js'
import { postXml } from './helpers/http.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { downloadStrings, printedCode, provision, texts } from './helpers/protocol.js'
import { startServer } from './helpers/server.js'
import { outcome, reprovisionXml } from './helpers/xml.js'

// many processes on a shared machine: more than the default 120 s per file, when it is busy
t.setTimeout(300_000)

t.jobs = 2

t.test('a PASS survives kill -9 of the server right after it was read', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  await mustRun(['user', 'add', 'alice', '--pin', '2468'], { db })
  const code = printedCode((await mustRun(['reprovision', 'alice', '--print-code'], { db })).stdoutLines)
  const first = await startServer(t, { db })

  const reply = await provision(first.url, 'alice', code)
  t.equal(reply.result, 'PASS')
  const killed = await first.stop('SIGKILL')
  t.equal(killed.signal, 'SIGKILL', 'killed without a chance to clean up')

  const second = await startServer(t, { db })
  const strings = await downloadStrings(second.url, reply.id ?? '')
  t.equal(strings.result, 'PASS', 'the restarted server knows the device')
  t.equal(strings.fields.length, 100)
  t.same(await provision(second.url, 'alice', code), { result: 'FAIL', error: 'PROVISION_FAILURE', id: undefined }, 'and the code stays used')
})

t.test('a queued provision message survives a restart and is then delivered once', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const outbox = join(dir, 'outbox.jsonl')
  await mustRun(['user', 'add', 'bob', '--pin', '2468', '--email', 'bob@example.com', '--transport', 'outbox'], { db })
  await mustRun(['agent', 'add', 'portal', '--secret', 'portal-secret-42'], { db })

  // the first server cannot write its outbox (the path is a folder): the message stays queued
  const blocked = join(dir, 'blocked')
  await mkdir(blocked)
  const first = await startServer(t, { db, args: ['--outbox', blocked] })
  t.same(outcome((await postXml(first.url, reprovisionXml('portal-secret-42', 'bob'))).body), { result: 'PASS', error: undefined })
  const retry = await first.waitForRecord((r) => r.level === 40 && /^Message to user: bob not sent, will retry/.test(r.msg))
  t.equal(retry.retryInMs, 30_000, 'a retry is planned in 30 s')
  await first.stop('SIGKILL')

  // a restarted server with a working outbox delivers it when the retry falls due
  const second = await startServer(t, { db })
  const sent = await second.waitForRecord((r) => r.msg === texts.messageSent('bob', 'bob@example.com'), 45_000)
  t.equal(sent.event, 'messageSent')
  const lines = (await readFile(outbox, 'utf8')).trim().split('\n')
  t.equal(lines.length, 1, 'one message in the outbox')
  const message = JSON.parse(lines[0] ?? '{}') as { user: string; destination: string; body: string }
  t.same([message.user, message.destination], ['bob', 'bob@example.com'])
  const code = /\b([A-Z2-9]{10})\b/.exec(message.body)?.[1] ?? ''
  t.equal((await provision(second.url, 'bob', code)).result, 'PASS', 'the delivered code provisions')

  // and never again: another restart and a few worker rounds later, still one line
  await second.stop('SIGTERM')
  const third = await startServer(t, { db })
  // the worker looks at the queue as it starts, then every 5 s
  await new Promise((resolve) => setTimeout(resolve, 6_000))
  t.equal((await readFile(outbox, 'utf8')).trim().split('\n').length, 1, 'still one message after another restart')
  t.notOk(third.records().some((r) => r.event === 'messageSent'), 'the third server sent nothing')
})
