// The message queue with two nodes' workers on one PostgreSQL database: every message reaches a
// real SMTP server once, and a worker that lost its lease records nothing. PostgreSQL only.
import t from 'tap'
import { inTransaction } from '../../src/db/engine.js'
import { claimMessage, markFailed, markRetry, markSent } from '../../src/db/repositories/messages.js'
import { addUser, requireUser } from '../../src/domain/users.js'
import { queueMessage } from '../../src/transports/queue.js'
import { startSmtp } from '../helpers/smtp.js'
import { postXml } from './helpers/http.js'
import { addPortal, agentSecret, directServices, eventually, skip, sqlOf, startNodes } from './helpers/nodes.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { outcome, reprovisionXml } from './helpers/xml.js'

t.setTimeout(600_000)

const names = ['node-a', 'node-b'] as const

t.test('two nodes delivering one queue', { skip }, async (t) => {
  const smtp = await startSmtp()
  t.teardown(() => smtp.close())
  const db = await databaseIn(t, await tempDir(t))
  const sql = sqlOf(t, db)
  const services = await directServices(t, db)
  await addPortal(services)
  const users = Array.from({ length: 500 }, (_, i) => `mail${String(i).padStart(3, '0')}`)
  for (const name of users) await addUser(services, { name, email: `${name}@example.com`, transport: 'email' })
  const nodes = await startNodes(t, db, names, ['--smtp-url', `smtp://127.0.0.1:${smtp.port}`, '--smtp-from', 'noreply@example.com'])

  await t.test('500 messages queued through both nodes reach the SMTP server once each', async (t) => {
    // agents ask both nodes, 20 at a time; each reply comes once the message is queued
    const queue = [...users.entries()]
    const replies: string[] = []
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const [i, name] = next
          const reply = await postXml(nodes[i % 2]?.url ?? '', reprovisionXml(agentSecret, name), '/pinsafe/AgentXML', { timeoutMs: 60_000 })
          replies.push(outcome(reply.body).result ?? 'none')
        }
      }),
    )
    t.equal(replies.filter((r) => r === 'PASS').length, 500, '500 reprovisions answered PASS')
    await smtp.waitForMails(500, 180_000)
    const recipients = smtp.mails.flatMap((mail) => mail.to)
    t.equal(new Set(recipients).size, 500, 'every user got mail')
    t.equal(recipients.length, 500, 'nobody got two')
    const rows = await sql<{ status: string; attempts: number; n: string }>('SELECT status, attempts, count(*) AS n FROM messages GROUP BY status, attempts')
    t.same(rows, [{ status: 'sent', attempts: 1, n: '500' }], 'every message sent, on its first claim')
    await eventually('messageSent audit rows', async () => (await sql("SELECT 1 FROM audit_log WHERE event = 'messageSent'")).length === 500, 60_000)
    const byNode = await sql<{ node: string; n: string }>("SELECT node, count(*) AS n FROM audit_log WHERE event = 'messageSent' GROUP BY node ORDER BY node")
    t.same(byNode.map((row) => row.node), [...names], `both workers delivered (${byNode.map((row) => `${row.node}: ${row.n}`).join(', ')})`)
    for (const node of nodes) t.notOk(node.records().some((r) => r.event === 'messageLeaseLost'), 'no lease was lost')
    // a worker round later (every 5 s), still one each
    await new Promise((resolve) => setTimeout(resolve, 6_000))
    t.equal(smtp.mails.length, 500, 'still 500 mails')
  })

  await t.test("a stalled worker's late markSent changes nothing: the row is the new owner's", async (t) => {
    const user = await requireUser(services, 'mail000')
    // this process claims the message as it queues it, with a lease of a second, then stalls
    const claimed = await inTransaction(services.db, async (trx) => {
      const id = await queueMessage(services, trx, user, 'late@example.com', { subject: 'Your code', body: 'late message' })
      const now = Date.now()
      return claimMessage(trx, now, now + 1_000, { id })
    })
    if (!claimed) throw new Error('the test could not claim its own message')
    t.equal(claimed.attempts, 1)
    // a node's worker finds the lease run out and delivers it
    await eventually('a node takes the message over', async () => (await sql('SELECT 1 FROM messages WHERE id = $1 AND status = $2', [claimed.id, 'sent'])).length === 1, 30_000)
    const [taken] = await sql('SELECT status, attempts, sent_at, last_error FROM messages WHERE id = $1', [claimed.id])
    t.match(taken, { status: 'sent', attempts: 2, last_error: null }, 'sent on the second claim')
    const claim = { id: claimed.id, attempts: claimed.attempts }
    t.equal(await markSent(services.db, claim, Date.now()), false, 'markSent of the old claim: false')
    t.equal(await markRetry(services.db, claim, Date.now(), 'late'), false, 'markRetry: false')
    t.equal(await markFailed(services.db, claim, 'late'), false, 'markFailed: false')
    const [after] = await sql('SELECT status, attempts, sent_at, last_error FROM messages WHERE id = $1', [claimed.id])
    t.same(after, taken, 'the row is as the new owner left it')
    t.equal(smtp.mails.filter((mail) => mail.to.includes('late@example.com')).length, 1, 'the node sent it once')
    const sentBy = nodes.filter((node) => node.records().some((r) => r.event === 'messageSent' && r.messageId === claimed.id && r.attempts === 2))
    t.equal(sentBy.length, 1, 'one node logged sending it')
  })
})
