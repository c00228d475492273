import t from 'tap'
import type { Db } from '../src/db/index.js'
import type { SyncDb } from '../src/db/sync.js'
import { setPolicy } from '../src/domain/policy.js'
import type { Services } from '../src/domain/services.js'
import { build } from './helpers/build.js'
import { readyUser } from './helpers/login.js'
import { seedAgent } from './helpers/seed.js'

/**
 * Spec §6: an unknown user and a wrong code must not be told apart, by the reply (login.test.ts
 * checks the bytes) nor by the work done on the way. A stopwatch test would be flaky on a shared
 * machine, so this checks the work itself: the same database statements, in the same order, on
 * the same tables, the same number of decryptions and constant-time comparisons.
 *
 * The counting is done on the compiled modules (`npm test` builds first): tap's module mocks
 * reach every module of a mocked import's graph only when specifiers name real files.
 */

interface Work {
  statements: string[]
  decrypt: number
  safeEqual: number
}

const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href
const secrets = (await import(dist('secrets.js'))) as typeof import('../src/secrets.js')
const sync = (await import(dist('db/sync.js'))) as typeof import('../src/db/sync.js')
const counts = { decrypt: 0, safeEqual: 0 }
let statements: string[] = []

/** The login's SQL as it runs, without its parameters. */
function recording(sql: SyncDb): SyncDb {
  const note = (text: string) => statements.push(text.replace(/\s+/g, ' ').trim())
  return {
    get: (text, parameters) => (note(text), sql.get(text, parameters)),
    all: (text, parameters) => (note(text), sql.all(text, parameters)),
    run: (text, parameters) => (note(text), sql.run(text, parameters)),
  }
}

const { verifyLogin } = await t.mockImport<typeof import('../src/domain/login.js')>(dist('domain/login.js'), {
  [dist('db/sync.js')]: {
    ...sync,
    inWriteBatch: <T>(db: Db, work: (sql: SyncDb) => T) => sync.inWriteBatch(db, (sql) => work(recording(sql))),
  },
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

/** The statements one login runs, and the crypto it does. */
async function workOf(services: Services, user: string, otc: string): Promise<Work> {
  statements = []
  counts.decrypt = 0
  counts.safeEqual = 0
  await verifyLogin(services, { user, otc }).catch(() => undefined)
  return { statements, ...counts }
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
  t.equal(forWrongCode.decrypt, 2, 'the PIN and the batch')
  t.equal(forWrongCode.safeEqual, 1)
  t.ok(forWrongCode.statements.some((s) => s.startsWith('INSERT OR IGNORE INTO used_strings')), 'the burn runs')
  t.ok(forWrongCode.statements.some((s) => s.startsWith('UPDATE users SET failed_logins = failed_logins + 1')), 'the count runs')
  // the policies come from the settings cache: both roads ask for the settings version
  t.ok(forWrongCode.statements.some((s) => s.startsWith('SELECT version FROM settings_version')), 'the policies are looked up')

  // the other shapes a wrong code can take: legacy form, an index no string has, a used string
  for (const otc of [`${wrong.slice(0, 4)},${wrong.slice(4)}`, `${wrong.slice(0, 4)}00`, `${wrong.slice(0, 4)}100`, wrong]) {
    t.same(await workOf(services, 'mallory', otc), await workOf(services, 'alice', otc), otc)
  }
  t.equal((await workOf(services, 'alice', right)).safeEqual, 1, 'a right code takes the same road')
})
