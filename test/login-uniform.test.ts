import t from 'tap'
import type { LoginWrites, Store } from '../src/db/index.js'
import { setPolicy } from '../src/domain/policy.js'
import type { Services } from '../src/domain/services.js'
import { build } from './helpers/build.js'
import { readyUser } from './helpers/login.js'
import { seedAgent } from './helpers/seed.js'

/**
 * Spec §6: an unknown user and a wrong code must not be told apart, by the reply (login.test.ts
 * checks the bytes) nor by the work done on the way. A stopwatch test would be flaky on a shared
 * machine, so this checks the work itself: the same reads of the store, the same writes in the
 * same order, the same number of decryptions and constant-time comparisons.
 *
 * The counting is done on the compiled modules (`npm test` builds first): tap's module mocks
 * reach every module of a mocked import's graph only when specifiers name real files.
 */

interface Work {
  units: number
  writes: string[]
  decrypt: number
  safeEqual: number
}

const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href
const secrets = (await import(dist('secrets.js'))) as typeof import('../src/secrets.js')
const counts = { decrypt: 0, safeEqual: 0, units: 0 }
let writes: string[] = []

/** The store, noting each login unit and the name of each write it records. */
function recording(store: Store): Store {
  return {
    ...store,
    login: (nameKey, decide) => {
      counts.units++
      return store.login(nameKey, (view, real) => {
        const noted = Object.fromEntries(
          Object.entries(real).map(([name, write]) => [name, (...args: unknown[]) => (writes.push(name), (write as (...a: unknown[]) => void)(...args))]),
        ) as unknown as LoginWrites
        return decide(view, noted)
      })
    },
  }
}

const { login } = await t.mockImport<typeof import('../src/domain/login.js')>(dist('domain/login.js'), {
  [dist('secrets.js')]: {
    ...secrets,
    decrypt: (...args: Parameters<typeof secrets.decrypt>) => {
      counts.decrypt++
      return secrets.decrypt(...args)
    },
    safeEqual: (...args: Parameters<typeof secrets.safeEqual>) => {
      counts.safeEqual++
      return secrets.safeEqual(...args)
    },
  },
})

/** The store work one login does, and the crypto. */
async function workOf(services: Services, user: string, code: string | { proof: (otc: string) => boolean }): Promise<Work> {
  writes = []
  counts.decrypt = 0
  counts.safeEqual = 0
  counts.units = 0
  const caller = { authorise: () => ({ actor: { nas: 'vpn' }, checkPassword: false }), address: '192.0.2.7' }
  await login({ ...services, store: recording(services.store) }, typeof code === 'string' ? { user, otc: code } : { user, ...code }, caller)
  return { writes, ...counts }
}

t.test('an unknown user costs what a wrong code costs', async (t) => {
  const { app, services } = await build(t)
  await seedAgent(services)
  const alice = await readyUser(app, services)
  await setPolicy(services.db, 'max-login-tries', '0')
  const right = alice.otc(4)
  const wrong = `${(Number(right[0]) + 1) % 10}${right.slice(1)}`
  await workOf(services, 'nobody', '000001') // the decoy is made once, on first use

  const forWrongCode = await workOf(services, 'alice', wrong)
  const forUnknown = await workOf(services, 'mallory', wrong)
  t.same(forUnknown, forWrongCode)
  t.equal(forWrongCode.units, 1, 'one read of the store')
  t.equal(forWrongCode.decrypt, 2, 'the PIN and the batch')
  t.equal(forWrongCode.safeEqual, 1)
  t.same(forWrongCode.writes, ['burn', 'setFailures', 'audit'], 'the burn, the count and the audit row are written')

  // the other shapes a wrong code can take: legacy form, an index no string has, a used string
  for (const otc of [`${wrong.slice(0, 4)},${wrong.slice(4)}`, `${wrong.slice(0, 4)}00`, `${wrong.slice(0, 4)}100`, wrong]) {
    t.same(await workOf(services, 'mallory', otc), await workOf(services, 'alice', otc), otc)
  }
  t.equal((await workOf(services, 'alice', right)).safeEqual, 1, 'a right code takes the same road')
})

t.test('a proof (CHAP, MS-CHAP) of an unknown user costs what a wrong one costs: every string tried', async (t) => {
  const { app, services } = await build(t)
  const alice = await readyUser(app, services)
  await setPolicy(services.db, 'max-login-tries', '0')
  let tried = 0
  const proving = (otc: string) => ({
    proof: (candidate: string) => {
      tried++
      return candidate === otc
    },
  })
  await workOf(services, 'nobody', proving('')) // the decoy is made once, on first use

  tried = 0
  const forWrong = await workOf(services, 'alice', proving('000000'))
  t.equal(tried, 198, 'each of 99 strings in both forms')
  tried = 0
  const forUnknown = await workOf(services, 'mallory', proving('000000'))
  t.equal(tried, 198, 'the decoy too')
  t.same(forUnknown, forWrong)
  t.same(forWrong.writes, ['setFailures', 'audit'], 'nothing burnt: the proof names no string')
  tried = 0
  const forRight = await workOf(services, 'alice', proving(alice.otc(1)))
  t.equal(tried, 198, 'a right proof on the first string: no early exit')
  t.same(forRight.writes, ['burn', 'setFailures', 'audit'], 'the string burnt, the failures before it cleared')
  t.equal(forRight.decrypt, forWrong.decrypt, 'the PIN and the batch')
})
