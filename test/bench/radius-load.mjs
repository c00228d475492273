// The bench's RADIUS load generator: PAP Access-Requests over UDP, `inFlight` outstanding at
// once, each a fresh one-time code sent once. One socket a slot: an Identifier is 8 bits for
// each source port, and a slot has one request outstanding at a time. No retransmissions: every
// request must get exactly one Access-Accept that verifies against it within the timeout, and a
// reject, silence, a second reply or one that does not verify is a failure.
import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { Attr, Code, decodePacket, encodeRequest, verifyReply } from '../../dist/radius/index.js'
import { cpuSeconds } from './harness.mjs'

/** Long past any reply of a server at work, short of a NAS giving up on it. */
const timeoutMs = 2000
/** How long the sockets stay open after the last answer, for second replies that would come late. */
const graceMs = 100

/**
 * Send `codes` ({ user, otc }, each once) to the server at `target` ({ host, port }) as a NAS
 * with `secret`. The result has autocannon's fields that the bench reads (`requests.total`,
 * `duration` in seconds, `latency` in ms) and what each reply was.
 */
export async function radiusRun(target, codes, { secret, inFlight }) {
  const counts = { accepts: 0, rejects: 0, lost: 0, duplicates: 0, invalid: 0 }
  const latencies = []
  let next = 0
  const sockets = await Promise.all(Array.from({ length: Math.min(inFlight, codes.length) }, () => bound()))
  const started = performance.now()
  let finished = started
  await Promise.all(
    sockets.map(async (socket) => {
      const slot = replies(socket, secret, counts)
      let identifier = 0
      while (next < codes.length) {
        const { user, otc } = codes[next++]
        identifier = (identifier + 1) & 0xff
        const attributes = [
          { type: Attr.UserName, value: Buffer.from(user) },
          { type: Attr.UserPassword, value: Buffer.from(otc) },
        ]
        const raw = encodeRequest({ code: Code.AccessRequest, identifier, secret, attributes })
        const sent = performance.now()
        socket.send(raw, target.port, target.host)
        const reply = await slot.answer({ code: Code.AccessRequest, identifier, authenticator: raw.subarray(4, 20) })
        if (!reply) continue
        finished = performance.now()
        latencies.push(finished - sent)
        if (reply.code === Code.AccessAccept) counts.accepts++
        else counts.rejects++
      }
    }),
  )
  await new Promise((resolve) => setTimeout(resolve, graceMs))
  await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.close(resolve))))
  latencies.sort((a, b) => a - b)
  // in whole milliseconds, cut down, as autocannon's histogram counts the AgentXML runs' latencies
  const at = (q) => (latencies.length ? Math.floor(latencies[Math.ceil(q * latencies.length) - 1]) : NaN)
  return { ...counts, requests: { total: codes.length }, duration: (finished - started) / 1000, latency: { p50: at(0.5), p99: at(0.99) } }
}

/** `radiusRun` against agentxml's `server` process, and the CPU time per request it spent on it (µs). */
export async function radiusMeasured(server, target, codes, options) {
  const before = cpuSeconds(server.child)
  const result = await radiusRun(target, codes, options)
  return { ...result, cpuPerRequest: ((cpuSeconds(server.child) - before) * 1e6) / result.requests.total }
}

/** The failures of RADIUS runs: every request that did not get exactly one Access-Accept. */
export const radiusFailures = (runs) => runs.reduce((sum, r) => sum + r.rejects + r.lost + r.duplicates + r.invalid, 0)

/**
 * A port for `--radius 127.0.0.1:PORT` whose next port (accounting) is free too: the server
 * takes no port 0. Another process could take them before the server does; then it fails to start.
 */
export async function freeRadiusPort() {
  for (let tries = 0; tries < 20; tries++) {
    const auth = await bound()
    const { port } = auth.address()
    const accounting = port < 65535 ? await bound(port + 1).catch(() => undefined) : undefined
    await Promise.all([auth, accounting].filter(Boolean).map((socket) => new Promise((resolve) => socket.close(resolve))))
    if (accounting) return port
  }
  throw new Error('found no two free UDP ports in a row on 127.0.0.1')
}

async function bound(port = 0) {
  const socket = createSocket('udp4')
  socket.bind(port, '127.0.0.1')
  await once(socket, 'listening')
  return socket
}

/**
 * What comes back on one slot's socket. `answer(request)` waits for the reply to the request
 * just sent (undefined after the timeout: lost); any other datagram is a second reply to an
 * earlier request, a late one to a lost request (already counted), or invalid.
 */
function replies(socket, secret, counts) {
  let pending
  // the requests settled on this socket, by Identifier: whether each got its reply
  const settled = new Map()
  socket.on('message', (datagram) => {
    const reply = decodePacket(datagram)
    if ('problem' in reply) return void counts.invalid++
    if (pending && verifyReply(reply, pending.request, secret) === 'valid') {
      const { request, resolve, timer } = pending
      pending = undefined
      clearTimeout(timer)
      settled.set(request.identifier, { request, replied: true })
      return resolve(reply)
    }
    const earlier = settled.get(reply.identifier)
    if (!earlier || verifyReply(reply, earlier.request, secret) !== 'valid') return void counts.invalid++
    if (earlier.replied) return void counts.duplicates++
    earlier.replied = true
  })
  return {
    answer: (request) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending = undefined
          counts.lost++
          settled.set(request.identifier, { request, replied: false })
          resolve(undefined)
        }, timeoutMs)
        pending = { request, resolve, timer }
      }),
  }
}
