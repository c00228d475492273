import t from 'tap'
import { auditEntryOf } from '../src/domain/audit.js'
import { createFloodGate, floodLimits } from '../src/logging/audit-flood.js'
import { createAuditRelay } from '../src/logging/audit.js'
import { build, post, sasRequest } from './helpers/build.js'
import { agentSecret, seedAgent, seedCode, seedUser } from './helpers/seed.js'

const minute = floodLimits.windowMs
const unknown = (ip: string, event = 'tokenIndex') => ({ level: 30, event, ip, user: 'ghost', msg: 'Token index request for user: ghost' })

t.test('per event and source, one record a minute is stored; the rest become one row with their count', async (t) => {
  const gate = createFloodGate()
  t.ok(gate.admit(unknown('192.0.2.1'), 0), 'the first is stored')
  let admitted = 0
  for (let i = 0; i < 500; i++) if (gate.admit(unknown('192.0.2.1'), 1000 + i)) admitted++
  t.equal(admitted, 0, 'the rest only counted')
  t.ok(gate.admit(unknown('192.0.2.2'), 2000), 'another source: its own first record')
  t.ok(gate.admit(unknown('192.0.2.1', 'unknownMobile'), 2000), 'another event: its own first record')
  t.same(gate.summaries(minute - 1), [], 'nothing before the minute is over')
  const [summary, ...rest] = gate.summaries(minute)
  t.same(rest, [])
  t.match(summary, { event: 'tokenIndex', ip: '192.0.2.1', level: 30, count: 500 })
  t.equal(summary?.msg, '500 more "tokenIndex" records within a minute from 192.0.2.1, not stored one by one (the server log has each)')
  t.match(auditEntryOf(summary ?? {}, 5), { event: 'tokenIndex', source: '192.0.2.1', outcome: 'success', detail: '500 more, not stored one by one' })
  t.ok(gate.admit(unknown('192.0.2.1'), minute + 1), 'a new minute: a new first record')
})

t.test('past 10 sources an event is counted for all the others together: at most 11 rows a minute an event', async (t) => {
  const gate = createFloodGate()
  let stored = 0
  for (let i = 0; i < 5000; i++) if (gate.admit(unknown(`2001:db8::${i.toString(16)}`, 'agentRefused'), i)) stored++
  t.equal(stored, floodLimits.sources)
  const summaries = gate.summaries(minute)
  t.equal(summaries.length, 1)
  t.match(summaries[0], { event: 'agentRefused', ip: undefined, count: 5000 - floodLimits.sources })
  t.match(summaries[0]?.msg, /^4990 more "agentRefused" records within a minute from 4990 from other sources, not stored/)

  const mixed = createFloodGate()
  for (const ip of ['a', 'a', 'a', 'a', 'b', 'b', 'b', ...Array.from({ length: 20 }, (_, i) => `c${i}`), 'c15']) mixed.admit(unknown(ip), 0)
  // a, b and c0–c7 are the 10 sources stored; c8–c19 and c15 again are the others
  t.match(mixed.summaries(minute), [{ ip: undefined, count: 3 + 2 + 13, msg: '18 more "tokenIndex" records within a minute from a ×3, b ×2, 13 from other sources, not stored one by one (the server log has each)' }])
})

t.test('what an authenticated caller or a secret causes is never aggregated', async (t) => {
  const gate = createFloodGate()
  for (let i = 0; i < 50; i++) {
    t.ok(gate.admit({ ...unknown('192.0.2.1', 'noAuthMethod'), agent: 'portal' }, i), 'an agent acted')
    t.ok(gate.admit(unknown('192.0.2.1', 'provisioned'), i), 'a successful provision (it took a code)')
    t.ok(gate.admit(unknown('192.0.2.1', 'loginFailed'), i), 'a login (agents only)')
    t.ok(gate.admit({ level: 30, event: 'userAdded', user: 'x' }, i), 'a command, no source')
  }
  t.same(gate.summaries(minute, true), [])
})

t.test('drain writes what was counted so far, and the minute goes on', async (t) => {
  const gate = createFloodGate()
  gate.admit(unknown('192.0.2.1'), 0)
  gate.admit(unknown('192.0.2.1'), 1)
  t.match(gate.summaries(2, true), [{ count: 1 }])
  t.notOk(gate.admit(unknown('192.0.2.1'), 3), 'still the same minute: counted')
  t.match(gate.summaries(4, true), [{ count: 1 }])
  t.same(gate.summaries(5, true), [])
})

t.test('3 000 unauthenticated requests make a handful of audit rows, each request still logged', async (t) => {
  const { app, services, logs } = await build(t)
  await seedAgent(services)
  for (let i = 0; i < 1000; i++) {
    await app.inject({ method: 'GET', url: `/proxy/TokenIndex?username=ghost${i}`, remoteAddress: '198.51.100.9' })
    await post(app, sasRequest(`<Action>provision</Action><Username>ghost${i}</Username><ProvisionCode>K7QF2M9XWD</ProvisionCode>`), '/proxy/AgentXML', { remoteAddress: '198.51.100.9' })
    await post(app, sasRequest('<Secret>wrong-secret-1</Secret><Action>login</Action><Username>x</Username><OTC>1</OTC>'), '/pinsafe/AgentXML', { remoteAddress: `198.51.100.${i % 50}` })
  }
  await post(app, sasRequest(`<Secret>${agentSecret}</Secret><Action>reprovision</Action><Username>ghost</Username>`))
  t.equal(logs.filter((r) => r.event === 'tokenIndex').length, 1000, 'the log has every request')
  await services.flushAudit?.()
  const rows = await services.db.selectFrom('audit_log').selectAll().orderBy('id').execute()
  const count = (event: string) => rows.filter((r) => r.event === event).length
  t.equal(count('tokenIndex'), 2, 'one row, then one with the count')
  t.equal(count('noAuthMethod'), 3, 'the provisions of unknown users: one row, one with the count; and the agent\'s reprovision')
  t.equal(count('agentRefused'), floodLimits.sources + 1, '10 sources one row each, and one with the count of the rest')
  t.match(rows.find((r) => r.event === 'tokenIndex' && r.detail !== null), { source: '198.51.100.9', detail: '999 more, not stored one by one' })
  t.match(rows.find((r) => r.event === 'agentRefused' && r.detail !== null)?.message, /^990 more "agentRefused" records within a minute from 198\.51\.100\.0 ×19, .*, 800 from other sources,/)
  t.ok(rows.length < 50, `${rows.length} rows in all`)
})

t.test('a known user\'s provision failures keep a row each, naming the user; past the user\'s limit they are counted', async (t) => {
  const { app, services } = await build(t)
  await seedUser(services, { name: 'alice' })
  const provision = (user: string, code: string) =>
    post(app, sasRequest(`<Action>provision</Action><Username>${user}</Username><ProvisionCode>${code}</ProvisionCode>`), '/proxy/AgentXML', { remoteAddress: '198.51.100.9' })
  await seedCode(services, 'alice', 'K7QF2M9XWD')
  await provision('alice', 'WRONGCODE2')
  await provision('alice', 'WRONGCODE3')
  await services.flushAudit?.()
  const rows = async () => (await services.db.selectFrom('audit_log').selectAll().orderBy('id').execute()).filter((r) => r.event === 'provisionFailed')
  t.match(await rows(), [
    { user_name: 'alice', source: '198.51.100.9', detail: 'wrong code' },
    { user_name: 'alice', source: '198.51.100.9', detail: 'no pending code' },
  ], 'two failures within a minute, two rows naming alice')

  // the policy allows alice 5 attempts in 15 minutes: the 20 past it are the flood
  for (let i = 0; i < 23; i++) await provision('alice', 'WRONGCODE4')
  // and names nobody has, from the same address
  for (let i = 0; i < 20; i++) await provision(`ghost${i}`, 'WRONGCODE5')
  await services.flushAudit?.()
  const all = await rows()
  t.equal(all.filter((r) => r.detail === 'wrong code' || r.detail === 'no pending code').length, 5, 'each attempt within the limit')
  t.match(all.slice(5), [{ user_name: 'alice', detail: 'too many attempts for this user' }, { user_name: null, detail: '19 more, not stored one by one' }], 'past it, the first and a count')
  const unknown = (await services.db.selectFrom('audit_log').selectAll().where('event', '=', 'noAuthMethod').execute()).length
  t.equal(unknown, 2, 'the unknown names: one row and one count')
})

t.test('the relay writes one batch at a time, so rows keep the order they were logged in', async (t) => {
  const relay = createAuditRelay()
  const stored: string[] = []
  let inFlight = 0
  let most = 0
  let calls = 0
  relay.attach(async (records) => {
    most = Math.max(most, ++inFlight)
    // the first batch is slow, as a write queued behind logins in the pool is
    await new Promise((resolve) => setTimeout(resolve, calls++ === 0 ? 30 : 1))
    stored.push(...records.map((r) => String(r.msg)))
    inFlight--
  })
  relay.record({ event: 'userAdded', msg: 'first' })
  await new Promise((resolve) => setImmediate(resolve))
  relay.record({ event: 'pinCreated', msg: 'second' })
  await new Promise((resolve) => setImmediate(resolve))
  relay.record({ event: 'messageQueued', msg: 'third' })
  await relay.drain()
  t.same(stored, ['first', 'second', 'third'])
  t.equal(most, 1, 'never two writes at once')
})
