// Starting and stopping the real server: the README's `npm start`, `--port 0`, SIGTERM/SIGINT.
import { existsSync } from 'node:fs'
import t, { type Test } from 'tap'
import { testEngine } from '../helpers/database.js'
import { mustRun } from './helpers/cli.js'
import { postXml } from './helpers/http.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { connect, postHead } from './helpers/raw.js'
import { startServer } from './helpers/server.js'
import { outcome, pingXml } from './helpers/xml.js'

t.jobs = 3

t.test('the server started as `npm start` runs it answers ping with PASS on every context', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const server = await startServer(t, { db })
  t.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'it says where it listens, on the loopback by default')
  for (const context of ['pinsafe', 'sentry', 'proxy']) {
    const reply = await postXml(server.url, pingXml(), `/${context}/AgentXML`)
    t.equal(reply.status, 200)
    t.equal(reply.headers['content-type'], 'text/xml; charset=UTF-8')
    t.ok(reply.body.startsWith('<?xml version="1.0" encoding="UTF-8"?>'), 'an XML declaration first')
    t.same(outcome(reply.body), { result: 'PASS', error: undefined }, `ping on /${context}`)
  }
  if (testEngine === 'sqlite') t.ok(existsSync(db), 'the database was created at --db')
})

t.test('`npm start -- --port 0 --db <tmp>` really goes through npm and serves', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const server = await startServer(t, { db, viaNpm: true })
  t.same(outcome((await postXml(server.url, pingXml())).body), { result: 'PASS', error: undefined })
  // Ctrl-C in the terminal: npm reports the signal (exit 130), the server stops cleanly
  await server.stop('SIGINT')
  t.match(server.output(), /agentxml stopped/, 'the server logged its clean stop')
  t.equal(server.stderr.join('\n'), '', 'nothing on stderr')
})

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`${signal} stops the server cleanly and closes the database`, async (t) => {
    const db = await databaseIn(t, await tempDir(t))
    const server = await startServer(t, { db })
    t.equal(element200(await postXml(server.url, pingXml())), 'PASS')
    if (testEngine === 'sqlite') t.ok(existsSync(`${db}-wal`), 'the database is open in WAL mode while the server runs')

    const exit = await server.stop(signal)
    t.same(exit, { code: 0, signal: null }, 'exit status 0')
    t.ok(server.records().some((r) => r.msg === 'agentxml stopped'), '"agentxml stopped" is logged')
    t.equal(server.stderr.join('\n'), '', 'nothing on stderr')
    // the last connection to close checkpoints the WAL and removes it: the server closed its database
    if (testEngine === 'sqlite') t.notOk(existsSync(`${db}-wal`), 'the write-ahead log was checkpointed and removed')
    const list = await mustRun(['user', 'add', 'erin', '--pin', '2468'], { db })
    t.match(list.stdout, /User "erin" added/, 'a command opens and writes the database right after')
  })
}

t.test("Ctrl-C's second signal (npm forwards the terminal's) does not cut the clean stop short", async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const server = await startServer(t, { db })
  // a request in flight keeps the stop going until it is answered
  const { conn, rest } = await pingInFlight(t, server.url)
  process.kill(server.pid, 'SIGINT')
  await new Promise((resolve) => setTimeout(resolve, 200))
  process.kill(server.pid, 'SIGINT') // the echo, while the server is stopping
  await new Promise((resolve) => setTimeout(resolve, 200))
  await conn.write(rest)
  await conn.closed
  t.match(conn.received(), /<Result>PASS<\/Result>/, 'the request in flight is still answered')
  t.same(await server.exited, { code: 0, signal: null }, 'exit status 0, not killed by the second signal')
  await server.stop() // its last lines read
  t.ok(server.records().some((r) => r.msg === 'agentxml stopped'), '"agentxml stopped" is logged')
})

t.test('a request in flight at SIGTERM is answered, and so is one pipelined behind it, in XML', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const server = await startServer(t, { db })
  const { conn, continued, rest, body } = await pingInFlight(t, server.url)
  // "100 Continue" says the server has the request; only then ask it to stop
  t.match(continued, /^HTTP\/1\.1 100 /, 'the request is in flight')
  process.kill(server.pid, 'SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 300))
  await conn.write(rest + postHead('/pinsafe/AgentXML', { 'Content-Length': body.length }) + body)
  await conn.closed
  const replies = conn.received().split(/(?=HTTP\/1\.1 )/).filter((reply) => !reply.startsWith('HTTP/1.1 100 '))
  t.match(replies[0], /^HTTP\/1\.1 200 OK\r\n[\s\S]*<Result>PASS<\/Result>/, 'the request in flight completes')
  for (const reply of replies) {
    t.notMatch(reply, /application\/json|"statusCode"/i, 'no JSON reply, even while closing')
    t.match(reply, /content-type: text\/xml; charset=UTF-8/i)
  }
  t.same(await server.exited, { code: 0, signal: null }, 'then it exits 0')
})

t.test('a keep-alive connection busy at SIGTERM is closed once answered: the stop does not wait out the keep-alive timeout', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const server = await startServer(t, { db })
  const { conn, rest } = await pingInFlight(t, server.url)
  process.kill(server.pid, 'SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 200))
  await conn.write(rest)
  await conn.waitFor(/<\/SASResponse>/)
  t.match(conn.received(), /HTTP\/1\.1 200 OK\r\n(?![\s\S]*connection: close)/i, 'answered on a connection kept alive')
  // the keep-alive timeout is 72 s: well within it, the server closes the idle connection and exits
  const within = (ms: number) => new Promise<string>((resolve) => setTimeout(() => resolve('still open'), ms).unref())
  t.equal(await Promise.race([conn.closed.then(() => 'closed'), within(15_000)]), 'closed', 'the server closed the connection')
  t.same(await server.exited, { code: 0, signal: null }, 'and exited 0')
})

/**
 * A ping in flight: its head and first bytes sent, and the server's "100 Continue" received
 * (`continued`); `rest` is what completes it.
 */
async function pingInFlight(t: Test, url: string) {
  const body = pingXml()
  const conn = await connect(t, url)
  await conn.write(postHead('/pinsafe/AgentXML', { 'Content-Length': body.length, Expect: '100-continue' }) + body.slice(0, 20))
  const continued = await conn.waitFor(/^HTTP\/1\.1 100 Continue\r\n\r\n/)
  return { conn, continued, rest: body.slice(20), body }
}

const element200 = (reply: { status: number; body: string }) => (reply.status === 200 ? outcome(reply.body).result : `HTTP ${reply.status}`)
