import fc from 'fast-check'
import t from 'tap'
import { findDeviceByUser } from '../src/db/repositories/devices.js'
import { deriveCode, deriveOtc, type OtcForm, parseOtc, positionOf } from '../src/domain/otc.js'
import { setPolicy, stringTypes } from '../src/domain/policy.js'
import { alphabets, sealBatch } from '../src/domain/security-strings.js'
import type { Services } from '../src/domain/services.js'
import { requireUser, sealPin } from '../src/domain/users.js'
import { updateUser } from '../src/db/repositories/users.js'
import { insertBatch } from './helpers/db-seed.js'
import { build } from './helpers/build.js'
import { login, readyUser } from './helpers/login.js'
import { seedAgent } from './helpers/seed.js'

// docs/protocol.md §3.4, the public worked examples
const examples = [
  { string: '7469832160', pin: '1234', code: '7469' },
  { string: '9876509432', pin: '0189', code: '2943' },
  { string: '3456782210', pin: '0189', code: '0321' },
  { string: '0123456789', pin: '9132', code: '8021' },
  { string: '8375210964', pin: '1234', code: '8375' },
]

t.test('the worked examples of docs/protocol.md §3.4', async (t) => {
  for (const { string, pin, code } of examples) t.equal(deriveCode(string, pin), code, `${string} with PIN ${pin}`)
  t.equal(deriveOtc('0123456789', '9132', 6), '802106', 'the user types 802106')
  t.equal(deriveOtc('0123456789', '9132', 6, 'legacy'), '8021,06', 'a pre-3.10 client types 8021,06')
  t.equal(positionOf('0'), 10, '0 means position 10')
  t.equal(deriveOtc('0123456789', '0000', 99), '999999')
})

t.test('parseOtc reads both forms against the PIN length', async (t) => {
  t.same(parseOtc('802106', 4), { code: '8021', index: 6 })
  t.same(parseOtc('8021,06', 4), { code: '8021', index: 6 })
  t.same(parseOtc('ABCDEFGH99', 8), { code: 'ABCDEFGH', index: 99 }, 'letters of the other string types')
  t.same(parseOtc('802100', 4), { code: '8021', index: undefined }, 'index 00 names no string')
  t.same(parseOtc('8021100', 4), { code: '8021', index: undefined }, 'nor does index 100')
  t.same(parseOtc('8021,100', 4), { code: '8021', index: undefined })
  t.same(parseOtc('8021001', 4), { code: '8021', index: undefined }, 'a three-digit spelling of 01 is no index 01')
  for (const bad of ['8021', '80210', '802', '80216', '8021,6', '8021,', '802,106', '80211000', '8021ab', '8021,0a', '']) {
    t.equal(parseOtc(bad, 4), undefined, JSON.stringify(bad))
  }
  t.equal(parseOtc('802106', 5), undefined, 'wrong length for a 5-digit PIN')
})

t.test('deriveOtc refuses what no client shows', async (t) => {
  t.throws(() => deriveOtc('0123456789', '9132', 0), RangeError)
  t.throws(() => deriveOtc('0123456789', '9132', 100), RangeError)
  t.throws(() => deriveOtc('0123456789', '91a2', 1), RangeError)
})

t.test('the worked example passes through the login action', async (t) => {
  const { app, services } = await build(t)
  await seedAgent(services)
  await readyUser(app, services, 'alice', '9132')
  const strings = Array.from({ length: 100 }, () => '5555555555')
  strings[6] = '0123456789'
  await plant(services, 'alice', strings)
  t.equal((await login(app, 'alice', '802106')).result, 'PASS')
  strings[7] = '0123456789'
  await plant(services, 'alice', strings)
  t.equal((await login(app, 'alice', '8021,07')).result, 'PASS')
})

/** Make `strings` the user's current batch, nothing used. */
async function plant(services: Services, name: string, strings: readonly string[]) {
  const user = await requireUser(services, name)
  const device = await findDeviceByUser(services.db, user.id)
  if (!device) throw new Error('no device')
  await insertBatch(services, device.id, sealBatch(services, device.id, strings))
}

const typeAndString = fc
  .constantFrom(...stringTypes)
  .chain((type) => fc.tuple(fc.constant(alphabets[type]), fc.string({ unit: fc.constantFrom(...alphabets[type]), minLength: 10, maxLength: 10 })))

t.test('property: a derived code verifies exactly once; any one changed character fails', async (t) => {
  const { app, services } = await build(t)
  await seedAgent(services)
  await readyUser(app, services, 'alice', '2468')
  await setPolicy(services.db, 'max-login-tries', '0')
  const alice = await requireUser(services, 'alice')

  await fc.assert(
    fc.asyncProperty(
      typeAndString,
      fc.stringMatching(/^\d{4,10}$/),
      fc.integer({ min: 1, max: 99 }),
      fc.constantFrom<OtcForm>('modern', 'legacy'),
      fc.nat(),
      fc.nat(),
      async ([alphabet, string], pin, index, form, where, pick) => {
        // any PIN of digits, weak ones too: stored as a PIN from before the PIN rules would be
        await updateUser(services.db, alice.id, { pin: sealPin(services, 'alice', pin) })
        // every other string differs from `string` at every position: a changed index cannot
        // land on a string that happens to give the same code
        const next = (c: string) => alphabet[(alphabet.indexOf(c) + 1) % alphabet.length] ?? c
        const strings = Array.from({ length: 100 }, () => [...string].map(next).join(''))
        strings[index] = string
        const otc = deriveOtc(string, pin, index, form)
        // one character replaced by another of the string type, a digit, or a comma
        const position = where % otc.length
        const pool = [...new Set(`${alphabet}0123456789,`)].filter((c) => c !== otc[position])
        const changed = otc.slice(0, position) + pool[pick % pool.length] + otc.slice(position + 1)

        await plant(services, 'alice', strings)
        const mutated = (await login(app, 'alice', changed)).result
        await plant(services, 'alice', strings)
        const first = (await login(app, 'alice', otc)).result
        const second = (await login(app, 'alice', otc)).result
        return mutated === 'FAIL' && first === 'PASS' && second === 'FAIL'
      },
    ),
    { numRuns: 100 },
  )
  t.pass('100 runs')
})
