import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../src/config.js'
import { openDatabase } from '../src/db/index.js'
import { claimMessage, findMessage, listMessages } from '../src/db/repositories/messages.js'
import { findProvisionCode } from '../src/db/repositories/provision-codes.js'
import { NoDestination, TransportNotConfigured } from '../src/domain/errors.js'
import { setPolicy } from '../src/domain/policy.js'
import { createProvisionCode } from '../src/domain/provision-code.js'
import { defaultTemplate } from '../src/domain/provision-message.js'
import type { Services } from '../src/domain/services.js'
import { requireUser } from '../src/domain/users.js'
import { deriveKeys } from '../src/secrets.js'
import { closeTransports, createTransports } from '../src/transports/index.js'
import { outboxTransport } from '../src/transports/outbox.js'
import { queueList, retryMessage } from '../src/transports/queue-admin.js'
import { defaultRetryDelays } from '../src/transports/settings.js'
import { deliverDue, startWorker, type Transports } from '../src/transports/worker.js'
import { agentSecret, seedAgent, seedCode, seedUser } from './helpers/seed.js'
import { build, element, post, sasRequest, testKey } from './helpers/build.js'
import { freshDatabaseTarget } from './helpers/database.js'
import { downPort, tempDir } from './helpers/delivery.js'
import { codeIn, startSmtp } from './helpers/smtp.js'

type Tap = { teardown(fn: () => unknown): void }

function smtpTransports(t: Tap, port: number): Transports {
  const transports = createTransports(loadConfig({ db: ':memory:', 'smtp-url': `smtp://127.0.0.1:${port}`, 'smtp-from': 'noreply@example.com' }, {}))
  t.teardown(() => closeTransports(transports))
  return transports
}

const reprovisionXml = (user: string) => sasRequest(`<Secret>${agentSecret}</Secret><Action>reprovision</Action><Username>${user}</Username>`)

t.test('log order of one reprovision: created, queued, can now reprovision, sent (docs/protocol.md §8)', async (t) => {
  const dir = tempDir(t)
  let wake = () => {}
  const { app, services, logs } = await build(t, { extra: { onMessageQueued: () => wake() } })
  const outbox = join(dir, 'outbox.jsonl')
  const worker = startWorker(services, new Map([['outbox', outboxTransport(outbox)]]))
  t.teardown(() => worker.stop())
  wake = worker.wake
  await seedAgent(services)
  await seedUser(services, { name: 'alice' })
  const reply = await post(app, reprovisionXml('alice'))
  t.equal(element(reply.body, 'Result'), 'PASS')
  t.notOk(reply.body.includes('ProvisionCode'), 'the code is not in the reply')
  for (let i = 0; i < 200 && !logs.some((r) => r.event === 'messageSent'); i++) await new Promise((r) => setTimeout(r, 10))
  const texts = logs.filter((r) => r.user === 'alice' && r.event).map((r) => r.msg)
  t.same(texts, [
    'Provision code created for user "alice"',
    'Message added to message queue for user: alice, destination: alice@example.com.',
    'User "alice" can now reprovision their mobile device.',
    'Message sent to user: alice, destination: alice@example.com.',
  ])
  const line = JSON.parse(readFileSync(outbox, 'utf8').trim()) as { body: string; destination: string }
  t.equal(line.destination, 'alice@example.com')
  const code = codeIn(line.body) ?? ''
  const provision = await post(app, sasRequest(`<Action>provision</Action><Username>alice</Username><ProvisionCode>${code}</ProvisionCode>`), '/proxy/AgentXML')
  t.equal(element(provision.body, 'Result'), 'PASS', 'the delivered code provisions the device')
})

t.test('no usable destination: a clear refusal, a log line, nothing queued and no code left pending', async (t) => {
  const { app, services, logs } = await build(t)
  await seedAgent(services)
  await seedUser(services, { name: 'bob', transport: 'email', email: undefined })
  await seedCode(services, 'bob', 'K7QF2M9XWD')
  await t.rejects(createProvisionCode(services, 'bob', { deliver: true }), new NoDestination('bob', 'email'))
  const bob = await requireUser(services, 'bob')
  t.equal(await findProvisionCode(services.db, bob.id), undefined, 'neither a new code nor the older one is pending')
  t.same(await listMessages(services.db), [], 'nothing queued')
  const line = logs.find((r) => r.event === 'noDestination')
  t.equal(line?.msg, 'Provision code not created for user "bob": no email address for the email transport')
  t.notOk(logs.some((r) => r.event === 'codeCreated'))

  const reply = await post(app, reprovisionXml('bob'))
  t.equal(element(reply.body, 'Result'), 'FAIL')
  t.equal(element(reply.body, 'Error'), 'AGENT_ERROR_GENERAL')
  t.ok(logs.some((r) => r.msg === 'AgentXML request failed, error: user "bob" has no email address for the email transport'))

  await seedUser(services, { name: 'carol', transport: 'sms', phone: undefined })
  await t.rejects(createProvisionCode(services, 'carol', { deliver: true }), /no phone number for the sms transport/)
})

t.test('a transport the server has not configured is refused before any code is made', async (t) => {
  const { services, logs } = await build(t, { extra: { delivery: () => ({ template: defaultTemplate, site: 'acme', transports: new Set(['outbox']) }) } })
  await seedUser(services, { name: 'dave', transport: 'email' })
  await t.rejects(createProvisionCode(services, 'dave', { deliver: true }), new TransportNotConfigured('dave', 'email'))
  t.equal(logs.find((r) => r.event === 'noDestination')?.msg, 'Provision code not created for user "dave": the email transport is not configured')
  t.same(await listMessages(services.db), [])
  const printed = await createProvisionCode(services, 'dave', { deliver: false })
  t.match(printed.code, /^[A-Z2-9]{10}$/, '--print-code still works: nothing needs sending')
})

t.test('SMTP down: retried with growing delays, failed after six tries, then retried by hand and sent once', async (t) => {
  const { services, clock, logs, lines } = await build(t)
  await setPolicy(services.db, 'provision-code-validity', '86400')
  await seedUser(services, { name: 'alice', transport: 'email' })
  const port = await downPort()
  const transports = smtpTransports(t, port)
  const created = await createProvisionCode(services, 'alice', { deliver: true })
  const id = created.messageId ?? 0
  const gaps: number[] = []
  for (let attempt = 1; attempt <= 6; attempt++) {
    const before = clock.now()
    t.same(await deliverDue(services, transports), { attempted: 1, sent: 0 }, `try ${attempt} fails`)
    const message = await findMessage(services.db, id)
    if (message?.status === 'queued') gaps.push(message.next_attempt_at - before)
    clock.advance(message?.status === 'queued' ? message.next_attempt_at - clock.now() : 0)
  }
  t.same(gaps, defaultRetryDelays, 'the delays grow: 30 s, 2, 5, 15 and 40 minutes')
  const failed = await findMessage(services.db, id)
  t.equal(failed?.status, 'failed')
  t.equal(failed?.attempts, 6)
  t.match(failed?.last_error, /ECONNREFUSED/)
  const line = logs.find((r) => r.event === 'messageFailed')
  t.match(line?.msg, /^Message to user: alice failed after 6 tries: .*ECONNREFUSED/)
  clock.advance(3600_000)
  t.same(await deliverDue(services, transports), { attempted: 0, sent: 0 }, 'a failed message is not tried again by itself')

  const smtp = await startSmtp({ port })
  t.teardown(() => smtp.close())
  const requeued = await retryMessage(services, id)
  t.equal(requeued.status, 'queued')
  t.equal(requeued.attempts, 0, 'a failed message gets a fresh round of tries')
  t.same(await deliverDue(services, transports), { attempted: 1, sent: 1 })
  t.same(await deliverDue(services, transports), { attempted: 0, sent: 0 })
  const mails = await smtp.waitForMails(1)
  t.equal(mails.length, 1)
  t.equal(codeIn(mails[0]?.text ?? ''), created.code)
  await t.rejects(retryMessage(services, id), /cannot be retried: it was sent/)
  t.notOk(lines.join('').includes(created.code))
})

t.test('injected retry delays are used instead of the hour-long default', async (t) => {
  const { services, clock } = await build(t)
  await seedUser(services, { name: 'alice', transport: 'email' })
  const transports = smtpTransports(t, await downPort())
  const created = await createProvisionCode(services, 'alice', { deliver: true })
  const retryDelays = [5, 10]
  await deliverDue(services, transports, { retryDelays })
  t.equal((await findMessage(services.db, created.messageId ?? 0))?.next_attempt_at, clock.now() + 5)
  clock.advance(5)
  await deliverDue(services, transports, { retryDelays })
  clock.advance(10)
  await deliverDue(services, transports, { retryDelays })
  t.equal((await findMessage(services.db, created.messageId ?? 0))?.status, 'failed', 'three tries with two delays')
})

t.test('a message whose code expired is not sent late, and cannot be retried', async (t) => {
  const { services, clock, logs } = await build(t)
  await seedUser(services, { name: 'alice', transport: 'email' })
  const transports = smtpTransports(t, await downPort())
  const created = await createProvisionCode(services, 'alice', { deliver: true })
  await deliverDue(services, transports)
  clock.advance(601_000)
  const smtp = await startSmtp()
  t.teardown(() => smtp.close())
  t.same(await deliverDue(services, smtpTransports(t, smtp.port)), { attempted: 1, sent: 0 })
  const message = await findMessage(services.db, created.messageId ?? 0)
  t.equal(message?.status, 'failed')
  t.equal(message?.body, null, 'the dead code is not kept')
  t.equal(smtp.mails.length, 0)
  t.ok(logs.some((r) => r.event === 'messageExpired'))
  await t.rejects(retryMessage(services, created.messageId ?? 0), /expired; reprovision user "alice" instead/)
})

t.test('a new code withdraws the message still queued with the old one', async (t) => {
  const { services } = await build(t)
  await seedUser(services, { name: 'alice', transport: 'email' })
  const transports = smtpTransports(t, await downPort())
  const first = await createProvisionCode(services, 'alice', { deliver: true })
  await deliverDue(services, transports)
  const second = await createProvisionCode(services, 'alice', { deliver: true })
  const old = await findMessage(services.db, first.messageId ?? 0)
  t.equal(old?.status, 'failed')
  t.equal(old?.last_error, 'superseded by a newer provision code')
  t.equal(old?.body, null)
  const smtp = await startSmtp()
  t.teardown(() => smtp.close())
  t.same(await deliverDue(services, smtpTransports(t, smtp.port)), { attempted: 1, sent: 1 })
  t.equal(codeIn((await smtp.waitForMails(1))[0]?.text ?? ''), second.code, 'only the working code is sent')
})

/** Two processes on one database file: the server's worker and a command. */
async function twoProcesses(t: Tap, file: string, log: Services['log']): Promise<[Services, Services]> {
  const target = await freshDatabaseTarget(file)
  const open = async (): Promise<Services> => {
    const { db, store } = await openDatabase(target, { create: true })
    t.teardown(() => store.close())
    return { db, store, keys: deriveKeys(testKey), log, now: Date.now }
  }
  const first = await open()
  return [first, await open()]
}

t.test('the server worker and a command running at once never send a message twice', async (t) => {
  const dir = tempDir(t)
  const { services: logged } = await build(t)
  const [server, command] = await twoProcesses(t, join(dir, 'agentxml.db'), logged.log)
  const users = Array.from({ length: 20 }, (_, i) => `user${i}`)
  for (const name of users) await seedUser(server, { name, transport: 'email' })
  const codes = new Map<string, string>()
  for (const name of users) codes.set(name, (await createProvisionCode(server, name, { deliver: true })).code)
  const smtp = await startSmtp()
  t.teardown(() => smtp.close())
  const worker = startWorker(server, smtpTransports(t, smtp.port), { pollMs: 10 })
  t.teardown(() => worker.stop())
  const commandTransports = smtpTransports(t, smtp.port)
  await Promise.all([deliverDue(command, commandTransports), deliverDue(command, commandTransports), deliverDue(server, commandTransports)])
  await smtp.waitForMails(20)
  await new Promise((r) => setTimeout(r, 300))
  t.equal(smtp.mails.length, 20, 'twenty messages, twenty mails')
  const received = smtp.mails.map((mail) => `${mail.to[0]} ${codeIn(mail.text)}`).sort()
  t.same(received, users.map((name) => `${name}@example.com ${codes.get(name)}`).sort(), 'each user got their own code once')
  t.ok((await listMessages(server.db)).every((m) => m.status === 'sent' && m.attempts === 1))
})

t.test('one message claimed by two processes at the same moment goes to one of them', async (t) => {
  const dir = tempDir(t)
  const { services: logged } = await build(t)
  const [a, b] = await twoProcesses(t, join(dir, 'agentxml.db'), logged.log)
  await seedUser(a, { name: 'alice' })
  const { messageId } = await createProvisionCode(a, 'alice', { deliver: true })
  const now = Date.now()
  const claims = await Promise.all([claimMessage(a.db, now, now + 1000, { id: messageId }), claimMessage(b.db, now, now + 1000, { id: messageId })])
  t.equal(claims.filter(Boolean).length, 1)
})

t.test('queued messages survive a restart and are delivered once', async (t) => {
  const dir = tempDir(t)
  const target = await freshDatabaseTarget(join(dir, 'agentxml.db'))
  const { services: logged } = await build(t)
  const before = await openDatabase(target, { create: true })
  const services = { ...before, keys: deriveKeys(testKey), log: logged.log, now: Date.now }
  await seedUser(services, { name: 'alice', transport: 'email' })
  const created = await createProvisionCode(services, 'alice', { deliver: true })
  await before.store.close()

  const after = await openDatabase(target)
  t.teardown(() => after.store.close())
  const smtp = await startSmtp()
  t.teardown(() => smtp.close())
  const transports = smtpTransports(t, smtp.port)
  const again = { ...services, ...after }
  t.same(await deliverDue(again, transports), { attempted: 1, sent: 1 })
  t.same(await deliverDue(again, transports), { attempted: 0, sent: 0 })
  t.equal(codeIn((await smtp.waitForMails(1))[0]?.text ?? ''), created.code)
})

t.test('a command leaves messages for transports it lacks to the server', async (t) => {
  const { services } = await build(t)
  await seedUser(services, { name: 'alice', transport: 'email' })
  const { messageId } = await createProvisionCode(services, 'alice', { deliver: true })
  const outboxOnly: Transports = new Map([['outbox', outboxTransport('/dev/null')]])
  t.same(await deliverDue(services, outboxOnly, { id: messageId, onlyConfigured: true }), { attempted: 0, sent: 0 })
  const message = await findMessage(services.db, messageId ?? 0)
  t.equal(message?.status, 'queued')
  t.equal(message?.attempts, 0, 'no try was spent')
})

t.test('queue list shows the queue but never a body or a code', async (t) => {
  const { services } = await build(t)
  await seedUser(services, { name: 'alice' })
  const created = await createProvisionCode(services, 'alice', { deliver: true })
  const [view] = await queueList(services)
  t.match(view, { id: created.messageId, user: 'alice', transport: 'outbox', destination: 'alice@example.com', status: 'queued', attempts: 0 })
  t.notOk(JSON.stringify(view).includes(created.code))
  t.notOk('body' in (view ?? {}))
  await t.rejects(queueList(services, { status: 'lost' }), /status must be one of/)
  t.same(await queueList(services, { status: 'sent' }), [])
  await t.rejects(retryMessage(services, 999), /message 999 not found/)
})

t.test('a stopping worker finishes the message it is sending and leaves the rest queued for the next start', async (t) => {
  const { services } = await build(t)
  for (let i = 0; i < 6; i++) {
    await seedUser(services, { name: `stop${i}` })
    await createProvisionCode(services, `stop${i}`, { deliver: true })
  }
  const sent: string[] = []
  let first = () => {}
  const sending = new Promise<void>((resolve) => (first = resolve))
  // a slow transport, as a mail relay under a backlog is: 200 ms a message
  const slow = { label: 'slow', send: async (d: { user: string }) => {
    first()
    await new Promise((r) => setTimeout(r, 200))
    sent.push(d.user)
  } }
  const worker = startWorker(services, new Map([['outbox', slow]]))
  await sending
  const stopping = performance.now()
  await worker.stop()
  t.ok(performance.now() - stopping < 1000, 'the stop waits for one message, not for the six')
  t.equal(sent.length, 1, 'the message in hand was sent')
  const queued = (await listMessages(services.db)).filter((m) => m.status === 'queued')
  t.equal(queued.length, 5, 'the other five are still queued')
  const report = await deliverDue(services, new Map([['outbox', slow]]))
  t.equal(report.sent, 5, 'and the next worker sends them')
  t.equal(new Set(sent).size, 6, 'each once')
})
