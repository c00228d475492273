// Hostile input over real HTTP against the real server process (the in-process variants live
// elsewhere): huge and slow bodies, malformed XML and HTTP, many connections. The server must keep
// answering, in XML, with its memory bounded.
import { request } from 'node:http'
import t, { type Test } from 'tap'
import { hostileBodies, hostileRaw, oddButLegal } from './helpers/hostile-payloads.js'
import { postXml } from './helpers/http.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { connect, postHead } from './helpers/raw.js'
import { residentKiB, startServer, type ServerProcess } from './helpers/server.js'
import { outcome, pingXml } from './helpers/xml.js'

const tenMiB = 10 * 1024 * 1024
const xmlFail = /<\?xml version="1\.0" encoding="UTF-8"\?>\s*<SASResponse>.*<Result>FAIL<\/Result>.*<\/SASResponse>/s

async function assertServing(t: Test, server: ServerProcess, what: string): Promise<void> {
  const started = Date.now()
  const reply = await postXml(server.url, pingXml())
  t.equal(outcome(reply.body).result, 'PASS', `still answers ping ${what}`)
  t.ok(Date.now() - started < 5_000, `promptly (${Date.now() - started} ms)`)
}

/** Send a whole request on its own connection; the server may answer early and close (both are fine). */
async function sendRaw(t: Test, url: string, bytes: string | Buffer): Promise<string> {
  const conn = await connect(t, url)
  conn.socket.write(bytes, () => {})
  conn.socket.end()
  await conn.closed
  return conn.received()
}

t.test('hostile input over real HTTP', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const server = await startServer(t, { db })
  // warm up the code paths (and the JIT) before taking the baseline
  for (let i = 0; i < 100; i++) await postXml(server.url, i % 2 ? pingXml() : String(hostileBodies[i % hostileBodies.length]?.[1]))
  const baseline = await residentKiB(server.pid)
  t.comment(`resident memory after warm-up: ${Math.round(baseline / 1024)} MiB`)

  t.test('10 MB bodies, with a Content-Length and chunked: 413 in XML or an early close', async (t) => {
    const body = Buffer.alloc(tenMiB, 'a')
    for (let round = 0; round < 5; round++) {
      const sized = await sendRaw(t, server.url, Buffer.concat([Buffer.from(postHead('/pinsafe/AgentXML', { 'Content-Length': tenMiB })), body]))
      const chunked = await sendRaw(
        t,
        server.url,
        Buffer.concat([Buffer.from(postHead('/proxy/AgentXML', { 'Transfer-Encoding': 'chunked' })), Buffer.from(`${tenMiB.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]),
      )
      for (const [name, reply] of [['Content-Length', sized], ['chunked', chunked]] as const) {
        if (reply === '') {
          t.pass(`${name}: the server closed the connection early`)
          continue
        }
        t.match(reply, /^HTTP\/1\.1 413 /, `${name}: 413`)
        t.match(reply, /content-type: text\/xml; charset=UTF-8/i, `${name}: an XML reply`)
        t.match(reply, xmlFail, `${name}: an AgentXML FAIL body`)
      }
    }
    // the same through an ordinary client library
    const reply = await postXml(server.url, body.toString('latin1')).catch((err: NodeJS.ErrnoException) => err)
    if (reply instanceof Error) t.match(reply.code, /^(EPIPE|ECONNRESET)$/, 'the client saw the connection closed early')
    else t.same([reply.status, outcome(reply.body)], [413, { result: 'FAIL', error: 'AGENT_ERROR_GENERAL' }], '413 with an XML FAIL')
    await assertServing(t, server, 'after 11 bodies of 10 MB')
  })

  t.test('a slow chunked body is answered, and other clients are served meanwhile', async (t) => {
    const xml = pingXml()
    const slow = new Promise<string>((resolve, reject) => {
      const req = request(new URL('/pinsafe/AgentXML', server.url), { method: 'POST', headers: { 'content-type': 'text/xml' }, agent: false }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => resolve(text))
      })
      req.on('error', reject)
      let sent = 0
      const step = 4
      const timer = setInterval(() => {
        req.write(xml.slice(sent, sent + step))
        sent += step
        if (sent >= xml.length) {
          clearInterval(timer)
          req.end()
        }
      }, 100)
    })
    // while the slow body trickles in (about 2 s), others are answered at once
    for (let i = 0; i < 5; i++) {
      await assertServing(t, server, `while a slow body arrives (${i + 1})`)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    t.same(outcome(await slow), { result: 'PASS', error: undefined }, 'the slow request gets its answer')
  })

  t.test('200 connections holding half-sent requests do not stop the server', async (t) => {
    const held = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const conn = await connect(t, server.url)
        // half a head, or a whole head and a tenth of the body
        await conn.write(i % 2 ? 'POST /pinsafe/AgentXML HTTP/1.1\r\nHost: x\r\nX-Slow: ' : postHead('/proxy/AgentXML', { 'Content-Length': 1000 }) + '<SASRequest>')
        return conn
      }),
    )
    await assertServing(t, server, 'with 200 connections held open')
    held.forEach((conn) => conn.socket.destroy())
  })

  t.test('malformed, malicious and oversized documents: XML FAIL every time', async (t) => {
    for (let round = 0; round < 20; round++) {
      const replies = await Promise.all(hostileBodies.map(([, body]) => postXml(server.url, body as string)))
      replies.forEach((reply, i) => {
        const name = hostileBodies[i]?.[0]
        // every reply is checked; only failures are reported after the first round
        if (round > 0 && reply.status === 200 && xmlFail.test(reply.body)) return
        t.equal(reply.status, 200, `${name}: HTTP 200`)
        t.match(reply.body, xmlFail, `${name}: an XML FAIL`)
        t.notMatch(reply.body, /root:|lollol|at \w+ \(/, `${name}: no file content, entity expansion or stack in the reply`)
      })
    }
    for (const [name, body] of oddButLegal) {
      t.same(outcome((await postXml(server.url, body)).body), { result: 'PASS', error: undefined }, `${name}: odd but legal, PASS`)
    }
    await assertServing(t, server, `after ${hostileBodies.length * 20} hostile documents`)
  })

  t.test('bytes that are not proper HTTP: refused with a 4xx, never JSON, any body XML', async (t) => {
    for (let round = 0; round < 10; round++) {
      for (const [name, bytes] of hostileRaw) {
        const reply = await sendRaw(t, server.url, bytes)
        const head = reply.slice(0, reply.indexOf('\r\n\r\n'))
        // Node itself refuses some requests with an empty (possibly chunked) body
        const empty = ['', '0\r\n\r\n'].includes(reply.slice(head.length + 4))
        const ok = /^HTTP\/1\.1 4\d\d /.test(head) && !/json/i.test(reply) && (empty || /content-type: text\/xml/i.test(head))
        if (round > 0 && ok) continue
        t.match(head, /^HTTP\/1\.1 4\d\d /, `${name}: a 4xx status`)
        t.notMatch(reply, /application\/json|"statusCode"/, `${name}: no JSON`)
        if (!empty) t.match(head, /content-type: text\/xml; charset=UTF-8/i, `${name}: an XML body`)
      }
    }
    await assertServing(t, server, 'after malformed HTTP')
  })

  t.test('afterwards: memory bounded, no internal error, no stack trace', async (t) => {
    // give the collector a moment after the last burst
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const after = await residentKiB(server.pid)
    t.comment(`resident memory after the hostile run: ${Math.round(after / 1024)} MiB`)
    t.ok(after - baseline < 96 * 1024, `resident memory grew by ${Math.round((after - baseline) / 1024)} MiB (< 96 MiB)`)
    t.ok(after < 320 * 1024, 'and stays under 320 MiB in all')
    t.same(server.records().filter((r) => r.level >= 50), [], 'no error-level log record')
    t.equal(server.stderr.join('\n'), '', 'nothing on stderr')
    t.notMatch(server.output(), /\n\s+at \S+ \(/, 'no stack trace in the output')
  })
})
