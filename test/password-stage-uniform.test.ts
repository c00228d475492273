import t from 'tap'
import type { LoginWrites, Store } from '../src/db/index.js'
import { insertUser } from '../src/db/repositories/users.js'
import { addRepository } from '../src/domain/repositories.js'
import type { Services } from '../src/domain/services.js'
import { build } from './helpers/build.js'

/**
 * Issue #25, item 14: a known directory user's password check took 50-80 µs longer than an
 * unknown name's. As login-uniform.test.ts does for codes, this checks the work, not a
 * stopwatch: the same store units, writes and audit rows, the same repository reads, one bind
 * each. (The directory's own work differs: a bind as an entry that exists checks its password.)
 * Counted on the compiled modules, for the reason login-uniform.test.ts gives.
 */

interface Work {
  units: number
  writes: string[]
  audits: number
  binds: number
  reads: string[]
}

const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href
const repositories = (await import(dist('db/repositories/repositories.js'))) as typeof import('../src/db/repositories/repositories.js')
const ldap = (await import(dist('directory/ldap.js'))) as typeof import('../src/directory/ldap.js')
const work: Work = { units: 0, writes: [], audits: 0, binds: 0, reads: [] }

const { passwordStage } = await t.mockImport<typeof import('../src/domain/password-stage.js')>(dist('domain/password-stage.js'), {
  [dist('directory/ldap.js')]: {
    ...ldap,
    checkBind: async () => {
      work.binds++
      return 'wrong'
    },
  },
  [dist('db/repositories/repositories.js')]: {
    ...repositories,
    listRepositories: (...args: Parameters<typeof repositories.listRepositories>) => (work.reads.push('list'), repositories.listRepositories(...args)),
    findRepositoryById: (...args: Parameters<typeof repositories.findRepositoryById>) => (work.reads.push('byId'), repositories.findRepositoryById(...args)),
  },
})

/** The store, noting each unit, each write it records and each audit row written on its own. */
function recording(store: Store): Store {
  return {
    ...store,
    insertAudit: (rows) => {
      work.audits += rows.length
      return store.insertAudit(rows)
    },
    login: (nameKey, decide) => {
      work.units++
      return store.login(nameKey, (view, real) => {
        const noted = Object.fromEntries(
          Object.entries(real).map(([name, write]) => [name, (...args: unknown[]) => (work.writes.push(name), (write as (...a: unknown[]) => void)(...args))]),
        ) as unknown as LoginWrites
        return decide(view, noted)
      })
    },
  }
}

async function workOf(services: Services, user: string): Promise<Work & { outcome: string }> {
  Object.assign(work, { units: 0, writes: [], audits: 0, binds: 0, reads: [] })
  const caller = { authorise: () => ({ actor: { nas: 'vpn' }, checkPassword: true }), address: '192.0.2.7' }
  const { outcome } = await passwordStage({ ...services, store: recording(services.store) }, { user, password: 'a wrong password' }, caller, 1)
  return { ...structuredClone(work), outcome }
}

t.test('--two-stage: an unknown name costs what a wrong directory password costs', async (t) => {
  const { services } = await build(t)
  await addRepository(services, {
    name: 'corp',
    preset: 'openldap',
    url: 'ldap://127.0.0.1:1',
    allowPlainLdap: true,
    bindDn: 'cn=agentxml,dc=example,dc=org',
    bindPassword: 'service password',
    baseDn: 'ou=people,dc=example,dc=org',
  })
  const repository = await services.db.selectFrom('repositories').select('id').executeTakeFirstOrThrow()
  const directoryUser = { name: 'alice', name_key: 'alice', pin: null, email: null, phone: null, transport: 'outbox', mobile: 1, locked_at: null, created_at: 0 }
  await insertUser(services.db, { ...directoryUser, repository_id: repository.id, directory_dn: 'uid=alice,ou=people,dc=example,dc=org' })

  const { outcome: wrong, ...forWrongPassword } = await workOf(services, 'alice')
  const { outcome: unknown, ...forUnknown } = await workOf(services, 'mallory')
  t.same([wrong, unknown], ['wrongPassword', 'unknownUser'])
  t.same(forUnknown, forWrongPassword)
  t.same(forWrongPassword, { units: 1, writes: ['setFailures', 'audit'], audits: 0, binds: 1, reads: ['list'] }, 'one unit: the count and the audit row')
})
