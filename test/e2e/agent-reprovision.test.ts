// An agent's `reprovision` over HTTP: the code goes to the outbox beside the database, never into
// the reply, and the log tells the story in the order of docs/protocol.md §8.
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { mustRun } from './helpers/cli.js'
import { postXml } from './helpers/http.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { provision, texts } from './helpers/protocol.js'
import { startServer } from './helpers/server.js'
import { outcome, reprovisionXml } from './helpers/xml.js'

t.jobs = 2

t.test('reprovision by an agent queues a message the server delivers to outbox.jsonl', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const server = await startServer(t, { db })
  await mustRun(['agent', 'add', 'vpn', '--secret', 'vpn-shared-secret-1'], { db })
  await mustRun(['user', 'add', 'alice', '--pin', '2468', '--email', 'alice@example.com', '--transport', 'outbox'], { db })

  const reply = await postXml(server.url, reprovisionXml('vpn-shared-secret-1', 'alice'))
  t.same(outcome(reply.body), { result: 'PASS', error: undefined })
  t.notMatch(reply.body, /<(ProvisionCode|Code|Id)>/, 'the code is not in the reply')

  await server.waitForRecord((r) => r.event === 'messageSent')
  const story = server.records().filter((r) => r.user === 'alice').map((r) => r.msg)
  t.same(
    story,
    [
      texts.codeCreated('alice'),
      texts.messageQueued('alice', 'alice@example.com'),
      texts.canReprovision('alice'),
      texts.messageSent('alice', 'alice@example.com'),
    ],
    'created → queued → can now reprovision → sent',
  )
  const created = server.records().find((r) => r.event === 'codeCreated')
  t.same([created?.agent, created?.ip], ['vpn', '127.0.0.1'], 'the lines name the agent and its address')

  const outbox = join(dir, 'outbox.jsonl')
  t.equal((await stat(outbox)).mode & 0o777, 0o600, 'the outbox (it holds codes) is readable by its owner only')
  const lines = (await readFile(outbox, 'utf8')).trim().split('\n')
  t.equal(lines.length, 1, 'one message')
  const message = JSON.parse(lines[0] ?? '{}') as Record<string, string>
  t.same(Object.keys(message).sort(), ['body', 'destination', 'subject', 'time', 'transport', 'user'])
  t.same([message.user, message.transport, message.destination], ['alice', 'outbox', 'alice@example.com'])
  const code = /\b([A-Z2-9]{10})\b/.exec(message.body ?? '')?.[1]
  t.ok(code, 'the body carries the code')
  t.equal((await provision(server.url, 'alice', code ?? '')).result, 'PASS', 'and that code provisions the device')
})

t.test('a wrong agent secret is refused and queues nothing', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const server = await startServer(t, { db })
  await mustRun(['agent', 'add', 'vpn', '--secret', 'vpn-shared-secret-1'], { db })
  await mustRun(['user', 'add', 'alice', '--pin', '2468'], { db })
  const reply = await postXml(server.url, reprovisionXml('not-the-secret', 'alice'))
  t.same(outcome(reply.body), { result: 'FAIL', error: 'AGENT_ERROR_AGENT_ACCESS' })
  const proxied = await postXml(server.url, reprovisionXml('vpn-shared-secret-1', 'alice'), '/proxy/AgentXML')
  t.same(outcome(proxied.body), { result: 'FAIL', error: 'AGENT_ERROR_AGENT_ACCESS' }, 'the public proxy refuses agent actions')
  await server.waitFor(() => server.records().filter((r) => r.event === 'agentRefused').length === 2)
  t.equal(server.records().find((r) => r.event === 'agentRefused')?.msg, 'AgentXML request failed, error: The agent is not authorised to access the server.')
  t.notOk(server.records().some((r) => r.event === 'codeCreated'), 'no code was created')
})
