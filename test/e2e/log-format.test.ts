// `--log-format pinsafe`: the syslog lines existing PINsafe SIEM parsers read (docs/protocol.md §8.1).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { mustRun } from './helpers/cli.js'
import { postXml } from './helpers/http.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { provision } from './helpers/protocol.js'
import { startServer } from './helpers/server.js'
import { outcome, reprovisionXml } from './helpers/xml.js'

const months = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec'
const stamp = `(?:${months}) [ \\d]\\d \\d{2}:\\d{2}:\\d{2}`
/** `<Mmm dd HH:MM:SS> <server ip> PINsafe[<thread>]: <LEVEL> [From the IP Address <ip> ][Agent Name <agent> ]- <message>` */
const anyLine = new RegExp(`^${stamp} \\S+ PINsafe\\[(main|http-\\d+)\\]: (INFO|WARN|ERROR) (From the IP Address \\S+ )?(Agent Name .+ )?- .+$`)
const line = (rest: string) => new RegExp(`^${stamp} 127\\.0\\.0\\.1 PINsafe\\[http-\\d+\\]: ${rest}$`)
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

t.test('pinsafe lines match docs/protocol.md §8.1 exactly, with and without an agent', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const server = await startServer(t, { db, args: ['--log-format', 'pinsafe'] })
  await mustRun(['agent', 'add', 'vpn', '--secret', 'vpn-shared-secret-1'], { db })
  await mustRun(['user', 'add', 'alice', '--pin', '2468'], { db })

  t.same(outcome((await postXml(server.url, reprovisionXml('vpn-shared-secret-1', 'alice'))).body).result, 'PASS')
  const agentLine = await server.waitFor((l) => l.includes('Provision code created'))
  t.match(agentLine, line(escape('INFO From the IP Address 127.0.0.1 Agent Name vpn - Provision code created for user "alice"')), 'an agent request names the agent')

  await server.waitFor((l) => l.includes('Message sent to user: alice'))
  const body = (await readFile(join(dir, 'outbox.jsonl'), 'utf8')).trim()
  const code = /\b([A-Z2-9]{10})\b/.exec((JSON.parse(body) as { body: string }).body)?.[1] ?? ''
  t.equal((await provision(server.url, 'alice', code)).result, 'PASS')
  const provisioned = await server.waitFor((l) => l.endsWith('provisioned successfully'))
  t.match(provisioned, line(escape('INFO From the IP Address 127.0.0.1 - User "alice" provisioned successfully')), 'a mobile request has no Agent Name')

  // the time is the server's local time, now
  const now = new Date()
  const month = now.toLocaleString('en-US', { month: 'short' })
  t.ok(provisioned.startsWith(`${month} ${String(now.getDate()).padStart(2, ' ')} `), `the line starts with today's date (${month} ${now.getDate()})`)

  for (const text of server.stdout) t.match(text, anyLine, `every line has the PINsafe shape: ${text.slice(16, 90)}`)
  t.notOk(server.stdout.some((l) => l.startsWith('{')), 'no JSON line')
})
