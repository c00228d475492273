import { connect } from 'node:net'
import t from 'tap'
import { build } from './helpers/build.js'

/** Raw bytes to the listening app; the whole reply once the server closes or after a pause. */
async function raw(port: number, bytes: string): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  socket.write(bytes)
  await new Promise<void>((resolve) => {
    socket.on('close', () => resolve())
    setTimeout(() => resolve(), 2000)
  })
  socket.destroy()
  return Buffer.concat(chunks).toString('utf8')
}

t.test('HTTP/1.1 without Host: 400 with the XML FAIL body, like every other refusal', async (t) => {
  const { app, logs } = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  for (const request of ['POST /proxy/AgentXML HTTP/1.1\r\nContent-Length: 0\r\n\r\n', 'GET /admin/sign-in HTTP/1.1\r\n\r\n']) {
    const reply = await raw(port, request)
    const [head = '', body = ''] = reply.split('\r\n\r\n')
    t.match(head, /^HTTP\/1\.1 400 /, request)
    t.match(head, /\r\ncontent-type: text\/xml; charset=UTF-8/i)
    t.match(body, /<Result>FAIL<\/Result><Error>AGENT_ERROR_GENERAL<\/Error>/)
  }
  t.ok(logs.some((r) => r.msg === 'request refused: HTTP/1.1 without a Host header' && r.status === 400))
  // HTTP/1.0 needs no Host; with one, 1.1 is served as before
  t.match(await raw(port, 'POST /proxy/AgentXML HTTP/1.0\r\nContent-Length: 0\r\n\r\n'), /^HTTP\/1\.1 200 /)
  t.match(await raw(port, 'POST /proxy/AgentXML HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200 /)
})
