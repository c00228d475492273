// A second reference for `npm run bench`: the least a provision, a SecurityStrings download and
// a login can cost with this stack. fastify and fast-xml-parser as in the bare server, plus only
// the work no implementation can skip, in one SQLite write transaction per event-loop turn (as
// agentxml does, with the same durability), with one audit row and one log line each:
// - provision: the keyed hash of the code, find the user and the pending code, compare in
//   constant time, take the code (single use), 16 CSPRNG bytes for the id, its keyed hash, the
//   device replaced;
// - download: the keyed hash of the Id, find the device, 990 CSPRNG digits, the AES-GCM seal,
//   replace the batch;
// - login: the keyed hash of the agent secret, find the user with device and batch, burn the
//   index (a code that comes round again FAILs: the bench sends each once), open the PIN and
//   the batch (AES-GCM), pick the code, compare in constant time.
// It opens a copy of agentxml's seeded database, so that the single-use codes are its own.
// No validation, no lockout, no layers, no error handling: a yardstick, not a server. The gap
// between it and the bare server is the price of the work itself; the gap to agentxml is ours.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomFillSync, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import SQLite from 'better-sqlite3'
import Fastify from 'fastify'
import { XMLParser } from 'fast-xml-parser'
import { pino } from 'pino'

const file = process.argv[2]
const master = Buffer.from(readFileSync(join(dirname(file), 'agentxml.key'), 'utf8').trim(), 'hex')
const derive = (info) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32))
const keys = { hash: derive('agentxml keyed hash v1'), encrypt: derive('agentxml encryption v1') }

const db = new SQLite(file)
db.pragma('journal_mode = WAL')
db.pragma('busy_timeout = 5000')
db.pragma('synchronous = NORMAL')
// as the server's connection (src/db/sqlite/open.ts)
db.pragma('mmap_size = 33554432')
const statements = {
  pending: db.prepare(`SELECT users.id, users.name, provision_codes.code_hash, provision_codes.expires_at
    FROM users JOIN provision_codes ON provision_codes.user_id = users.id WHERE users.name = ?`),
  take: db.prepare('DELETE FROM provision_codes WHERE user_id = ?'),
  unbind: db.prepare('DELETE FROM devices WHERE user_id = ?'),
  bind: db.prepare('INSERT INTO devices (user_id, id_hash, device_os, push_id, created_at) VALUES (?, ?, ?, NULL, ?)'),
  begin: db.prepare('BEGIN IMMEDIATE'),
  commit: db.prepare('COMMIT'),
  device: db.prepare('SELECT devices.id, users.name FROM devices JOIN users ON users.id = devices.user_id WHERE devices.id_hash = ?'),
  batch: db.prepare('UPDATE string_batches SET strings = ?, created_at = ? WHERE device_id = ? RETURNING id'),
  firstBatch: db.prepare('INSERT INTO string_batches (device_id, strings, created_at) VALUES (?, ?, ?)'),
  unburn: db.prepare('DELETE FROM used_strings WHERE batch_id = ?'),
  audit: db.prepare("INSERT INTO audit_log (time, event, message, user_name, source, outcome) VALUES (?, ?, ?, ?, ?, 'success')"),
  account: db.prepare(`SELECT users.name, users.pin, string_batches.id AS batch_id, string_batches.device_id, string_batches.strings
    FROM users JOIN devices ON devices.user_id = users.id JOIN string_batches ON string_batches.device_id = devices.id
    WHERE users.name = ?`),
  burn: db.prepare('INSERT OR IGNORE INTO used_strings (batch_id, idx, used_at) VALUES (?, ?, ?) RETURNING idx'),
}
const agentHashes = db.prepare('SELECT secret_hash FROM agents').all().map((row) => row.secret_hash)

/** One transaction for the downloads of a turn. */
let waiting = []
function inTurn(work) {
  return new Promise((resolve) => {
    if (waiting.length === 0) {
      setImmediate(() => {
        const jobs = waiting
        waiting = []
        statements.begin.run()
        const results = jobs.map(({ work }) => work())
        statements.commit.run()
        jobs.forEach(({ resolve }, n) => resolve(results[n]))
      })
    }
    waiting.push({ work, resolve })
  })
}

const pool = Buffer.alloc(16 * 1024)
let used = pool.length
function digits(count) {
  const out = Buffer.allocUnsafe(count)
  for (let filled = 0; filled < count; ) {
    if (used === pool.length) {
      randomFillSync(pool)
      used = 0
    }
    const byte = pool[used++]
    if (byte < 250) out[filled++] = 48 + (byte % 10)
  }
  return out.toString('latin1')
}

function seal(text, context) {
  const iv = Buffer.from(digits(12), 'latin1')
  const cipher = createCipheriv('aes-256-gcm', keys.encrypt, iv)
  cipher.setAAD(Buffer.from(context))
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), body])
}

function open(sealed, context) {
  const decipher = createDecipheriv('aes-256-gcm', keys.encrypt, sealed.subarray(0, 12))
  decipher.setAAD(Buffer.from(context))
  decipher.setAuthTag(sealed.subarray(12, 28))
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8')
}

const keyedHash = (purpose, value) => createHmac('sha256', keys.hash).update(purpose).update('\0').update(value).digest()
const xml = (result) => `<?xml version="1.0" encoding="UTF-8"?>\n<SASResponse><Version>3.6</Version>${result}</SASResponse>\n`

const log = pino({ base: undefined })
const parser = new XMLParser({ parseTagValue: false })
const app = Fastify({ bodyLimit: 64 * 1024 })
app.removeAllContentTypeParsers()
app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))
function provision(request, reply, { Username, ProvisionCode, DeviceOS }) {
  const codeHash = keyedHash('provision-code', String(ProvisionCode))
  const id = randomFillSync(Buffer.alloc(16)).toString('hex')
  const idHash = keyedHash('provision-id', id)
  return inTurn(() => {
    const pending = statements.pending.get(String(Username))
    const now = Date.now()
    if (!pending || pending.expires_at < now || !timingSafeEqual(pending.code_hash, codeHash)) return undefined
    statements.take.run(pending.id)
    statements.unbind.run(pending.id)
    statements.bind.run(pending.id, idHash, DeviceOS === undefined ? null : String(DeviceOS), now)
    statements.audit.run(now, 'provisioned', `User "${pending.name}" provisioned successfully`, pending.name, request.ip)
    return pending.name
  }).then((user) => {
    log.info({ user, event: 'provisioned', reqId: request.id, ip: request.ip }, `User "${user}" provisioned successfully`)
    const result = user ? `<Result>PASS</Result><Id>${id}</Id>` : '<Result>FAIL</Result>'
    return reply.type('text/xml; charset=UTF-8').send(xml(result))
  })
}

app.post('/proxy/AgentXML', async (request, reply) => {
  const fields = parser.parse(request.body)?.SASRequest ?? {}
  if (fields.Action === 'provision') return provision(request, reply, fields)
  const id = String(fields.Id ?? '')
  const idHash = keyedHash('provision-id', id)
  const all = digits(1000)
  const strings = Array.from({ length: 100 }, (_, n) => all.slice(n * 10, n * 10 + 10)).join(';')
  const user = await inTurn(() => {
    const device = statements.device.get(idHash)
    if (!device) return undefined
    const now = Date.now()
    const sealed = seal(strings, `batch:${device.id}`)
    const batch = statements.batch.get(sealed, now, device.id)
    if (batch) statements.unburn.run(batch.id)
    else statements.firstBatch.run(device.id, sealed, now)
    statements.audit.run(now, 'stringsFetched', `Security strings fetched for ${device.name}`, device.name, request.ip)
    return device.name
  })
  log.info({ user, event: 'stringsFetched', reqId: request.id, ip: request.ip }, `Security strings fetched for ${user}`)
  const result = user ? `<Result>PASS</Result><SecurityStrings>${strings}</SecurityStrings><Policies/>` : '<Result>FAIL</Result>'
  return reply.type('text/xml; charset=UTF-8').send(xml(result))
})
app.post('/pinsafe/AgentXML', async (request, reply) => {
  const { Secret, Username, OTC } = parser.parse(request.body)?.SASRequest ?? {}
  const presented = keyedHash('agent-secret', String(Secret))
  if (!agentHashes.some((hash) => timingSafeEqual(hash, presented))) return reply.type('text/xml; charset=UTF-8').send(xml('<Result>FAIL</Result>'))
  const otc = String(OTC)
  const index = Number(otc.slice(-2))
  const ok = await inTurn(() => {
    const account = statements.account.get(String(Username))
    if (!account) return false
    const now = Date.now()
    // the single use: a code that comes round again burns nothing and FAILs
    if (statements.burn.all(account.batch_id, index, now).length === 0) return false
    const pin = open(account.pin, `pin:${account.name}`)
    const string = open(account.strings, `batch:${account.device_id}`).split(';')[index] ?? ''
    let code = ''
    for (const digit of pin) code += string.charAt((digit === '0' ? 10 : Number(digit)) - 1)
    const match = code.length === otc.length - 2 && timingSafeEqual(Buffer.from(code), Buffer.from(otc.slice(0, -2)))
    statements.audit.run(now, 'loginOk', `Login successful for user: ${account.name}.`, account.name, request.ip)
    return match
  })
  log.info({ user: Username, event: 'loginOk', reqId: request.id, ip: request.ip }, `Login successful for user: ${Username}.`)
  return reply.type('text/xml; charset=UTF-8').send(xml(ok ? '<Result>PASS</Result>' : '<Result>FAIL</Result>'))
})
const url = await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(`floor listening on ${url}\n`)
process.once('SIGTERM', () => app.close().then(() => process.exit(0)))
