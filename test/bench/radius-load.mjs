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
 *
 * Every request is encoded before the clock starts and every reply is checked after it stops,
 * as autocannon's bodies are built beforehand: on the timed path the generator only sends a
 * datagram and takes one in, on the same two cores as the server. Encoding and checking inline
 * (two MD5s and two HMAC-MD5s a request) took CPU from the server and added the generator's own
 * garbage-collector pauses to the latencies it measured.
 */
export async function radiusRun(target, codes, { secret, inFlight }) {
  const counts = { accepts: 0, rejects: 0, lost: 0, duplicates: 0, invalid: 0 }
  const requests = codes.map(({ user, otc }, index) => {
    const identifier = index & 0xff
    const attributes = [
      { type: Attr.UserName, value: Buffer.from(user) },
      { type: Attr.UserPassword, value: Buffer.from(otc) },
    ]
    const raw = encodeRequest({ code: Code.AccessRequest, identifier, secret, attributes })
    return { raw, code: Code.AccessRequest, identifier, authenticator: raw.subarray(4, 20), reply: undefined }
  })
  const latencies = []
  let next = 0
  const sockets = await Promise.all(Array.from({ length: Math.min(inFlight, codes.length) }, () => bound()))
  const slots = sockets.map((socket) => replies(socket))
  const started = performance.now()
  let finished = started
  await Promise.all(
    slots.map(async (slot, n) => {
      while (next < requests.length) {
        const request = requests[next++]
        const sent = performance.now()
        sockets[n].send(request.raw, target.port, target.host)
        if (!(await slot.answer(request))) {
          counts.lost++
          continue
        }
        finished = performance.now()
        latencies.push(finished - sent)
      }
    }),
  )
  await new Promise((resolve) => setTimeout(resolve, graceMs))
  await Promise.all(sockets.map((socket) => new Promise((resolve) => socket.close(resolve))))
  for (const request of requests) check(request, secret, counts)
  for (const slot of slots) for (const datagram of slot.stray) stray(datagram, slot.sent, secret, counts)
  latencies.sort((a, b) => a - b)
  // in whole milliseconds, cut down, as autocannon's histogram counts the AgentXML runs' latencies
  const at = (q) => (latencies.length ? Math.floor(latencies[Math.ceil(q * latencies.length) - 1]) : NaN)
  return { ...counts, requests: { total: codes.length }, duration: (finished - started) / 1000, latency: { p50: at(0.5), p99: at(0.99) } }
}

/** A request's reply, taken as its answer by its Identifier: an Access-Accept that verifies, or a failure. */
function check(request, secret, counts) {
  if (!request.reply) return
  const reply = decodePacket(request.reply)
  if ('problem' in reply || verifyReply(reply, request, secret) !== 'valid') return void counts.invalid++
  if (reply.code === Code.AccessAccept) counts.accepts++
  else counts.rejects++
}

/**
 * A datagram that was no request's answer: a second reply to a request of the same socket (or a
 * late one to a request counted lost), or invalid.
 */
function stray(datagram, sent, secret, counts) {
  const reply = decodePacket(datagram)
  const earlier = 'problem' in reply ? undefined : sent.find((request) => verifyReply(reply, request, secret) === 'valid')
  if (!earlier) return void counts.invalid++
  if (earlier.reply) counts.duplicates++
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
 * What comes back on one slot's socket. `answer(request)` waits for the datagram with the
 * Identifier of the request just sent, kept as its reply (false after the timeout: lost); every
 * other datagram is kept as a stray, and `sent` lists the socket's requests, to tell them apart
 * once the run is over.
 */
function replies(socket) {
  let pending
  const sent = []
  const stray = []
  socket.on('message', (datagram) => {
    if (pending && datagram.length >= 20 && datagram[1] === pending.request.identifier) {
      const { request, resolve, timer } = pending
      pending = undefined
      clearTimeout(timer)
      request.reply = datagram
      return resolve(true)
    }
    stray.push(datagram)
  })
  return {
    sent,
    stray,
    answer: (request) =>
      new Promise((resolve) => {
        sent.push(request)
        const timer = setTimeout(() => {
          pending = undefined
          resolve(false)
        }, timeoutMs)
        pending = { request, resolve, timer }
      }),
  }
}
