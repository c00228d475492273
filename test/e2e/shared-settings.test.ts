// Issue #26, "done when": the delivery settings shared by two nodes and a command on PostgreSQL.
// Set by the command, the nodes' next messages use them without a restart, and the command's own
// reprovision message carries the shared site id; with SMTP configured nowhere, node and command
// both refuse an email user. PostgreSQL only: SQLite has one server per file.
import t from 'tap'
import { addUser } from '../../src/domain/users.js'
import { startSmtp } from '../helpers/smtp.js'
import { mustRun, runCli } from './helpers/cli.js'
import { postXml } from './helpers/http.js'
import { addPortal, agentSecret, directServices, skip, startNodes } from './helpers/nodes.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { outcome, reprovisionXml } from './helpers/xml.js'

t.setTimeout(300_000)

t.test('settings set by a command reach both nodes at their next message, and the command itself', { skip }, async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const services = await directServices(t, db)
  await addPortal(services)
  await addUser(services, { name: 'alice', email: 'alice@example.com', transport: 'email' })
  const smtp = await startSmtp()
  t.teardown(() => smtp.close())
  const cli = (args: string[]) => mustRun(args, { db })
  const [a, b] = await startNodes(t, db, ['node-a', 'node-b'])
  if (!a || !b) throw new Error('two nodes')
  const reprovisionOn = async (url: string) => outcome((await postXml(url, reprovisionXml(agentSecret, 'alice'))).body)

  t.same(await reprovisionOn(a.url), { result: 'FAIL', error: 'AGENT_ERROR_GENERAL' }, 'no SMTP anywhere: a node refuses')
  t.match((await a.waitForRecord((r) => r.event === 'noDestination')).msg, /the email transport is not configured/)
  const refused = await runCli(['reprovision', 'alice'], { db })
  t.equal(refused.status, 1, 'and so does the command')
  t.match(refused.stderr, /the email transport is not configured/)

  await cli(['settings', 'set', 'smtp-url', `smtp://127.0.0.1:${smtp.port}`])
  await cli(['settings', 'set', 'smtp-from', 'AgentXML <noreply@example.com>'])
  await cli(['settings', 'set', 'site-id', 'acme-shared'])
  t.same(await reprovisionOn(a.url), { result: 'PASS', error: undefined }, 'node A sends with the shared SMTP server, never given a flag')
  t.match((await smtp.waitForMails(1))[0]?.text, /^Server: acme-shared$/m, "node A's message names the shared site id")

  await cli(['settings', 'set', 'site-id', 'acme-renamed'])
  t.same(await reprovisionOn(b.url), { result: 'PASS', error: undefined }, 'node B, running all along')
  t.match((await smtp.waitForMails(2))[1]?.text, /^Server: acme-renamed$/m, "node B's next message has the change, no restart")

  await cli(['settings', 'set', 'public-url', 'https://auth.example.com/'])
  await cli(['settings', 'unset', 'site-id'])
  const command = await cli(['reprovision', 'alice'])
  t.match(command.stdout, /Message sent to user: alice/, 'the command sends through the shared SMTP server itself')
  t.match((await smtp.waitForMails(3))[2]?.text, /^Server: https:\/\/auth\.example\.com$/m, "the command's message names the shared public URL, not its own default")
  t.equal(smtp.mails.length, 3, 'each message once')
})

t.test("a node's flag overrides the shared setting for that node only, and says so at start", { skip }, async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const services = await directServices(t, db)
  await addPortal(services)
  await addUser(services, { name: 'alice', email: 'alice@example.com', transport: 'email' })
  const smtp = await startSmtp()
  t.teardown(() => smtp.close())
  await mustRun(['settings', 'set', 'smtp-url', `smtp://127.0.0.1:${smtp.port}`], { db })
  await mustRun(['settings', 'set', 'smtp-from', 'noreply@example.com'], { db })
  await mustRun(['settings', 'set', 'site-id', 'acme-shared'], { db })
  const [own] = await startNodes(t, db, ['node-own'], ['--site-id', 'node-own-site'])
  if (!own) throw new Error('a node')
  const said = await own.waitForRecord((r) => r.msg.startsWith('site-id:'))
  t.equal(said.msg, 'site-id: the --site-id flag overrides the shared setting')
  t.same(outcome((await postXml(own.url, reprovisionXml(agentSecret, 'alice'))).body), { result: 'PASS', error: undefined })
  t.match((await smtp.waitForMails(1))[0]?.text, /^Server: node-own-site$/m, "the node's flag wins for its messages")
  t.match((await mustRun(['settings', 'show'], { db })).stdout, /^site-id +acme-shared$/m, 'the shared value is left as it was')
})
