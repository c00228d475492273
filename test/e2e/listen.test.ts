import t from 'tap'
import { loadConfig } from '../../src/config.js'
import { startWarnings } from '../../src/listening.js'
import { runCli } from './helpers/cli.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { startServer } from './helpers/server.js'

t.setTimeout(300_000)

t.test('a port already in use: one line on stderr, status 1, no stack trace, every time', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const first = await startServer(t, { db })
  const port = new URL(first.url).port
  for (const run of [1, 2, 3]) {
    const second = await runCli(['serve', '--port', port], { db, timeoutMs: 30_000 })
    t.same([second.status, second.stderr], [1, `agentxml: cannot listen on 127.0.0.1:${port}: the address is in use\n`], `run ${run}`)
    t.notMatch(second.stdout, /stack|"level":[56]0/, `run ${run}: nothing went wrong behind it (no background work on a closed database)`)
  }
  t.equal((await fetch(`${first.url}/health`)).status, 200, 'the first server is untouched')
})

t.test('--host 0.0.0.0: the line names the address bound, and plain HTTP on every interface is a warning', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const server = await startServer(t, { db, args: ['--host', '0.0.0.0', '--smtp-url', 'smtp://127.0.0.1:25', '--smtp-from', 'noreply@example.com'] })
  const listening = await server.waitForRecord((r) => r.msg.startsWith('agentxml listening on'))
  t.match(listening.msg, /^agentxml listening on http:\/\/0\.0\.0\.0:\d+ \(every IPv4 interface\)$/)
  const warned = await server.waitForRecord((r) => r.level === 40 && r.msg.startsWith('plain HTTP'))
  t.match(warned.msg, /^plain HTTP on every IPv4 interface: codes, PINs and agent secrets cross the network in clear/)
  const noUrl = await server.waitForRecord((r) => r.level === 40 && r.msg.startsWith('no --public-url'))
  t.match(noUrl.msg, /^no --public-url while messages go out by email: their links and server address are http:\/\/[^:]+:\d+, this server's own address/)
})

t.test('the start warnings: when each is given', async (t) => {
  const warnings = (flags: Record<string, string>, sending: string[] = []) =>
    startWarnings(loadConfig({ db: ':memory:', ...flags }, {}), ['outbox', ...sending]).map((w) => w.message.split(':')[0])
  t.same(warnings({}), [], 'the loopback, no delivery: nothing to say')
  t.same(warnings({ host: '::' }), ['plain HTTP on every interface, IPv6 and IPv4'])
  t.same(warnings({ host: '0.0.0.0', 'tls-cert': 'cert.pem', 'tls-key': 'key.pem' }), [], 'HTTPS on every interface is fine')
  t.same(warnings({ host: '10.0.0.5' }), [], 'one interface, chosen')
  t.same(warnings({}, ['sms']), ['no --public-url while messages go out by sms'])
  t.same(warnings({ 'public-url': 'https://auth.example.com/proxy' }, ['email', 'sms']), [], 'with a public URL')
  t.match(warnings({ db: 'postgres://agentxml@db.example.com/agentxml' }), [/^the outbox transport writes to .*outbox\.jsonl on this node only$/], 'PostgreSQL: several nodes, one outbox each')
})
