import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { listMessages } from '../src/db/repositories/messages.js'
import { openMessageBody } from './helpers/pin-messages.js'
import { setPolicy } from '../src/domain/policy.js'
import { deriveOtc } from '../src/domain/otc.js'
import { changePinWithCode } from '../src/domain/pin-change.js'
import { requireUser } from '../src/domain/users.js'
import { openPin } from '../src/domain/pin-seal.js'
import { build } from './helpers/build.js'
import { login, readyUser } from './helpers/login.js'
import { seedAgent } from './helpers/seed.js'

// The self-service PIN pages through app.inject: what a browser posts, with its cookie and form token.

async function session(app: FastifyInstance, url: string, remoteAddress = '127.0.0.1') {
  const page = await app.inject({ method: 'GET', url, remoteAddress })
  const cookie = String(page.headers['set-cookie'] ?? '').split(';')[0] ?? ''
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
  const submit = (fields: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url: url.replace(/\?.*/, ''),
      remoteAddress,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...fields, _csrf: token }).toString(),
    })
  return { page, submit }
}

const change = (username: string, otc: string, pin: string, pin2 = pin) => ({ username, otc, pin, pin2 })

async function world(t: Tap) {
  const built = await build(t)
  await seedAgent(built.services)
  const alice = await readyUser(built.app, built.services, 'alice', '2468')
  return { ...built, alice }
}
type Tap = Parameters<typeof build>[0]

t.test('Change PIN: a right code changes the PIN; codes of the new PIN pass, of the old fail', async (t) => {
  const { app, services, alice } = await world(t)
  const { page, submit } = await session(app, '/reset/changepin.jsp')
  t.match(page.body, '<label for="otc">One-time code</label>')
  const reply = await submit(change('alice', alice.otc(1), '8531'))
  t.equal(reply.statusCode, 200)
  t.match(reply.body, 'Your PIN has been changed.')
  t.equal(openPin(services, await requireUser(services, 'alice')), '8531')
  t.equal((await login(app, 'alice', deriveOtc(alice.strings[2] ?? '', '8531', 2))).result, 'PASS', 'a code of the new PIN')
  t.equal((await login(app, 'alice', alice.otc(3))).result, 'FAIL', 'a code of the old PIN')
  t.equal((await login(app, 'alice', alice.otc(1))).result, 'FAIL', 'the code the change used is burnt')
})

t.test('Change PIN: weak, short, long, non-digit, mismatched and recent PINs are refused on the page, changing nothing', async (t) => {
  const { app, services, alice } = await world(t)
  // each from an address of its own: one address may post 5 times in 15 minutes
  let n = 0
  const submit = async (fields: Record<string, string>) => (await session(app, '/reset/changepin.jsp', `10.1.0.${++n}`)).submit(fields)
  const cases: [Record<string, string>, RegExp][] = [
    [change('alice', alice.otc(1), '1111'), /too easy to guess/],
    [change('alice', alice.otc(1), '246'), /4 to 10 digits/],
    [change('alice', alice.otc(1), '24681357902'), /4 to 10 digits/],
    [change('alice', alice.otc(1), '24a8'), /digits only/],
    [change('alice', alice.otc(1), '8531', '8532'), /The two PINs are not the same/],
  ]
  for (const [fields, says] of cases) {
    const reply = await submit(fields)
    t.equal(reply.statusCode, 400)
    t.match(reply.body, says)
    t.notMatch(reply.body, /value="(8531|1111|246|24a8)"/, 'a PIN is never written back into the page')
  }
  t.equal((await requireUser(services, 'alice')).failed_logins, 0, 'a form error reaches no check of the code')
  const recent = await submit(change('alice', alice.otc(1), '2468'))
  t.match(recent.body, /That PIN was used recently/)
  t.equal(openPin(services, await requireUser(services, 'alice')), '2468', 'the PIN as it was')
})

t.test('Change PIN: a wrong code counts towards the lockout; a locked user changes nothing; an unknown user sees the same page', async (t) => {
  const { app, services, alice } = await world(t)
  await setPolicy(services.db, 'max-login-tries', '3')
  const { submit } = await session(app, '/reset/changepin.jsp')
  const wrong = await submit(change('alice', '999901', '8531'))
  t.equal((await requireUser(services, 'alice')).failed_logins, 1, 'counted as a failed login')
  const unknown = await submit(change('nobody', '999901', '8531'))
  const strip = (html: string) => html.replace(/name="username" type="text" value="[^"]*"/, '')
  t.equal(unknown.statusCode, wrong.statusCode)
  t.equal(strip(unknown.body), strip(wrong.body), 'the page for an unknown user is the page for a wrong code')
  await submit(change('alice', '999902', '8531'))
  await submit(change('alice', '999903', '8531'))
  t.not((await requireUser(services, 'alice')).locked_at, null, 'the third wrong code locks alice')
  const locked = await submit(change('alice', alice.otc(4), '8531'))
  t.equal(strip(locked.body), strip(wrong.body), 'a locked user sees the same page')
  t.equal(openPin(services, await requireUser(services, 'alice')), '2468', 'and the PIN stays')
})

t.test('Change PIN: 50 submissions with one code change the PIN once', async (t) => {
  const { app, services, alice } = await world(t)
  const pins = Array.from({ length: 50 }, (_, n) => String(40_000_000 + n * 7919))
  // through the page: the per-user limit lets 5 reach the check, and of those one changes the PIN
  const sessions = await Promise.all(pins.map((_, n) => session(app, '/reset/changepin.jsp', `10.0.0.${n + 1}`)))
  const replies = await Promise.all(sessions.map((s, n) => s.submit(change('alice', alice.otc(5), pins[n] ?? ''))))
  const changed = replies.flatMap((reply, n) => (reply.body.includes('Your PIN has been changed.') ? [pins[n]] : []))
  t.equal(changed.length, 1, 'exactly one change through the page')
  t.equal(replies.filter((reply) => reply.statusCode === 429).length, 45, 'the others over the per-user limit')
  t.equal(openPin(services, await requireUser(services, 'alice')), changed[0], 'to the PIN of the one that passed')
  // the check itself, without the limit in front: 50 at once with the next code
  const outcomes = await Promise.all(pins.map((pin) => changePinWithCode(services, 'alice', deriveOtc(alice.strings[6] ?? '', changed[0] ?? '', 6), `${pin}1`)))
  t.equal(outcomes.filter((outcome) => outcome === 'changed').length, 1, 'exactly one of 50 concurrent changes')
  t.equal(outcomes.filter((outcome) => outcome === 'refused').length, 49)
})

t.test('Change PIN: off by policy', async (t) => {
  const { app, services } = await build(t)
  await setPolicy(services.db, 'self-change-pin', 'no')
  const page = await app.inject({ method: 'GET', url: '/reset/changepin.jsp' })
  t.match(page.body, 'Changing a PIN yourself is not enabled on this server.')
  t.notMatch(page.body, /<form/)
})

t.test('Reset PIN: off by default; on, a code by transport sets a new PIN once; the old PIN works until then', async (t) => {
  const { app, services, alice, clock } = await world(t)
  t.match((await app.inject({ method: 'GET', url: '/reset/resetpin.jsp' })).body, 'Resetting a PIN yourself is not enabled')
  await setPolicy(services.db, 'self-reset-pin', 'yes')
  const asked = await (await session(app, '/reset/resetpin.jsp')).submit({ step: 'request', username: 'alice' })
  t.match(asked.body, 'a reset code is on its way')
  const unknown = await (await session(app, '/reset/resetpin.jsp')).submit({ step: 'request', username: 'nobody' })
  t.equal(unknown.body.replace(/nobody/g, 'alice'), asked.body, 'an unknown user: the same page')
  t.equal((await login(app, 'alice', alice.otc(1))).result, 'PASS', 'the old PIN still works')
  const [message] = (await listMessages(services.db, {})).filter((m) => m.kind === 'pin-reset')
  const code = /reset code for alice is ([A-Z0-9]{10})/.exec(openMessageBody(services, message))?.[1] ?? ''
  t.ok(code, 'the code is in the message')
  t.notOk(JSON.stringify(message).includes(code), 'but not in the clear in the queue row')
  const { submit } = await session(app, '/reset/resetpin.jsp?step=code')
  const wrongPin = await submit({ step: 'code', username: 'alice', code, pin: '2468', pin2: '2468' })
  t.match(wrongPin.body, 'That PIN was used recently', 'a recent PIN: the code stays for another try')
  const done = await submit({ step: 'code', username: 'alice', code, pin: '8531', pin2: '8531' })
  t.match(done.body, 'Your PIN has been reset.')
  t.equal((await login(app, 'alice', deriveOtc(alice.strings[2] ?? '', '8531', 2))).result, 'PASS', 'the new PIN')
  t.equal((await login(app, 'alice', alice.otc(3))).result, 'FAIL', 'the old PIN no more')
  const again = await submit({ step: 'code', username: 'alice', code, pin: '4821', pin2: '4821' })
  t.match(again.body, 'Your PIN was not reset', 'a code works once')
  // a code past its validity (after the per-user limit's 15 minutes)
  clock.advance(16 * 60_000)
  await (await session(app, '/reset/resetpin.jsp')).submit({ step: 'request', username: 'alice' })
  const [latest] = (await listMessages(services.db, {})).filter((m) => m.kind === 'pin-reset')
  const late = /reset code for alice is ([A-Z0-9]{10})/.exec(openMessageBody(services, latest))?.[1] ?? ''
  clock.advance(601_000)
  const expired = await submit({ step: 'code', username: 'alice', code: late, pin: '4821', pin2: '4821' })
  t.match(expired.body, 'Your PIN was not reset', 'an expired code')
  t.equal(openPin(services, await requireUser(services, 'alice')), '8531')
})
