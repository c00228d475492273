import t from 'tap'
import type { ProvisionWrites, Store } from '../src/db/index.js'
import type { ProvisionRequest } from '../src/domain/provisioning.js'
import type { Services } from '../src/domain/services.js'
import { build } from './helpers/build.js'
import { seedCode, seedUser } from './helpers/seed.js'

/**
 * A failed provision must not tell an unknown user (or one without the mobile right) from a
 * wrong code: the reply is the same PROVISION_FAILURE (provision.test.ts), and so is the work on
 * the way: one unit of the store, the same writes, one keyed hash and one constant-time
 * comparison. Counted, not timed (a stopwatch is flaky on a shared machine; login-uniform.test.ts
 * does the same for logins), on the compiled modules so that the mocks reach them.
 */

const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href
const secrets = (await import(dist('secrets.js'))) as typeof import('../src/secrets.js')
const counts = { units: 0, safeEqual: 0, keyedHash: 0 }
let writes: string[] = []

function recording(store: Store): Store {
  return {
    ...store,
    provision: (key, limits, decide) => {
      counts.units++
      return store.provision(key, limits, (view, real) => {
        const noted = Object.fromEntries(
          Object.entries(real).map(([name, write]) => [name, (...args: unknown[]) => (writes.push(name), (write as (...a: unknown[]) => void)(...args))]),
        ) as unknown as ProvisionWrites
        return decide(view, noted)
      })
    },
  }
}

const { provisionDevice } = await t.mockImport<typeof import('../src/domain/provisioning.js')>(dist('domain/provisioning.js'), {
  [dist('secrets.js')]: {
    ...secrets,
    safeEqual: (...args: Parameters<typeof secrets.safeEqual>) => (counts.safeEqual++, secrets.safeEqual(...args)),
    keyedHash: (...args: Parameters<typeof secrets.keyedHash>) => (counts.keyedHash++, secrets.keyedHash(...args)),
  },
})

async function workOf(services: Services, user: string, code: string) {
  writes = []
  Object.assign(counts, { units: 0, safeEqual: 0, keyedHash: 0 })
  const request: ProvisionRequest = { user, code, deviceOs: undefined, pushId: undefined, userAgent: undefined, address: '192.0.2.1' }
  await provisionDevice({ ...services, store: recording(services.store) }, request).catch(() => undefined)
  return { writes, ...counts }
}

t.test('an unknown user, a user without the mobile right and a wrong code do the same work', async (t) => {
  const { services } = await build(t)
  await seedUser(services, { name: 'alice' })
  await seedUser(services, { name: 'bob' })
  await services.db.updateTable('users').set({ mobile: 0 }).where('name', '=', 'bob').execute()
  await workOf(services, 'nobody', 'WRONGCODE2') // the decoy is made on first use
  await seedCode(services, 'alice', 'K7QF2M9XWD')
  const wrongCode = await workOf(services, 'alice', 'WRONGCODE2')
  t.same(wrongCode, { writes: ['consumeCode'], units: 1, safeEqual: 1, keyedHash: 1 }, 'a wrong code: the code consumed, one hash, one compare')
  await seedCode(services, 'alice', 'K7QF2M9XWD')
  t.same(await workOf(services, 'mallory', 'WRONGCODE2'), wrongCode, 'an unknown user')
  await seedCode(services, 'bob', 'K7QF2M9XWD')
  t.same(await workOf(services, 'bob', 'K7QF2M9XWD'), wrongCode, 'a user without the mobile right')
  t.same(await workOf(services, 'alice', 'WRONGCODE2'), wrongCode, 'no pending code')
})
