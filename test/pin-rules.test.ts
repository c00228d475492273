import t from 'tap'
import { isWeakPin, generatePin, pinProblem } from '../src/domain/pin-rules.js'
import { requireUser, setPin } from '../src/domain/users.js'
import { setPolicy } from '../src/domain/policy.js'
import { usedRecently } from '../src/domain/pins.js'
import { build } from './helpers/build.js'
import { seedUser } from './helpers/seed.js'

t.test('weak PINs: a repeated digit, runs up and down, repeated pairs, years, the deny list', async (t) => {
  for (const pin of ['1111', '0000', '999999', '1234', '0123', '9876', '3210', '7890', '0987', '123456789', '1212', '696969', '2580', '1984', '2024', '1122']) {
    t.ok(isWeakPin(pin), `${pin} is weak`)
  }
  for (const pin of ['2468', '1357', '8531', '4821', '19845', '202467', '90210']) t.notOk(isWeakPin(pin), `${pin} is not weak`)
})

t.test('a new PIN: digits only, pin-length to 10 of them, not weak', async (t) => {
  const policies = { 'pin-length': 4 }
  t.equal(pinProblem('2468', policies), undefined)
  t.match(pinProblem('24a8', policies), /digits only/)
  t.match(pinProblem(' 2468', policies), /digits only/)
  t.match(pinProblem('246', policies), /4 to 10 digits/)
  t.match(pinProblem('24681357902', policies), /4 to 10 digits/)
  t.match(pinProblem('1234', policies), /too easy to guess/)
  t.match(pinProblem('2468', { 'pin-length': 6 }), /6 to 10 digits/)
})

t.test('generated PINs are of the asked length, digits, never weak, and differ', async (t) => {
  const seen = new Set<string>()
  for (let n = 0; n < 2000; n++) {
    const pin = generatePin(4)
    if (!/^\d{4}$/.test(pin) || isWeakPin(pin)) t.fail(`generated ${pin}`)
    seen.add(pin)
  }
  t.ok(seen.size > 1500, `${seen.size} different PINs in 2 000`)
  t.match(generatePin(10), /^\d{10}$/)
})

t.test('the history: the current PIN and the ones before it, as far as pin-history says', async (t) => {
  const { services } = await build(t)
  await seedUser(services, { name: 'alice', pin: '2468' })
  await setPin(services, 'alice', '1357')
  await setPin(services, 'alice', '8531')
  await t.rejects(setPin(services, 'alice', '8531'), /current one or one of the 2 before it/, 'the current PIN')
  await t.rejects(setPin(services, 'alice', '2468'), /current one or one of the 2 before it/, 'two PINs ago')
  await setPolicy(services.db, 'pin-history', '2')
  await setPin(services, 'alice', '2468')
  t.pass('with pin-history 2, the PIN of two changes ago may come back')
  await setPolicy(services.db, 'pin-history', '0')
  await setPin(services, 'alice', '2468')
  t.pass('with pin-history 0, even the current PIN may be set again')
  const user = await requireUser(services, 'alice')
  t.equal(user.pin_history?.length, 4 * 32, 'one keyed hash per earlier PIN')
  t.notOk(user.pin_history?.includes(Buffer.from('1357')), 'no PIN in the clear')
  t.ok(usedRecently(services, user, '1357', 10))
  t.notOk(usedRecently(services, user, '4821', 10))
})

t.test('every path refuses a weak PIN and changes nothing', async (t) => {
  const { services } = await build(t)
  await t.rejects(seedUser(services, { name: 'bob', pin: '1111' }), /too easy to guess/)
  await seedUser(services, { name: 'alice', pin: '2468' })
  const before = await requireUser(services, 'alice')
  await t.rejects(setPin(services, 'alice', '0123'), /too easy to guess/)
  t.same((await requireUser(services, 'alice')).pin, before.pin, 'the PIN as it was')
})
