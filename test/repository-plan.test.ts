import t from 'tap'
import type { SyncedUserRow } from '../src/db/repositories/directory-users.js'
import { type DirectoryPerson, planSync, removesTooMany, transportFor } from '../src/domain/directory-plan.js'

// the sync's decisions in plain code, without a directory or a database
const person = (name: string, extra: Partial<DirectoryPerson> = {}): DirectoryPerson => ({
  dn: `uid=${name},ou=people`, name, email: `${name}@example.com`, phone: null, disabled: false, mobileMember: true, groups: [], ...extra,
})
let nextId = 1
const user = (name: string, extra: Partial<SyncedUserRow> = {}): SyncedUserRow => ({
  id: nextId++, name, repository_id: 1, email: `${name}@example.com`, phone: null, transport: 'email', mobile: 1, directory_dn: `uid=${name},ou=people`,
  directory_disabled: 0, directory_groups: null, removed_at: null, ...extra,
})
const plan = (people: DirectoryPerson[], users: SyncedUserRow[], now = 1000, graceMs = 100) => planSync({ repositoryId: 1, people, users, now, graceMs })

t.test('new entries are added, unchanged ones left alone, changed ones updated with only what changed', async (t) => {
  const p = await plan([person('a'), person('b'), person('c', { email: 'new@example.com', mobileMember: false })], [user('b'), user('c')])
  t.same(p.add.map((x) => x.name), ['a'])
  t.same(p.update.map((u) => [u.name, u.changes]), [['c', { email: 'new@example.com', mobile: 0 }]])
  t.same([p.remove, p.delete, p.conflicts], [[], [], []])
})

t.test('a disabled account has no mobile right, whatever its groups', async (t) => {
  const p = await plan([person('a', { disabled: true })], [user('a')])
  t.same(p.update[0]?.changes, { mobile: 0, directory_disabled: 1 })
})

t.test('a vanished entry is marked removed; deleted once the grace period is over; restored if it returns', async (t) => {
  t.same((await plan([], [user('a')])).remove.map((u) => u.name), ['a'])
  t.same((await plan([], [user('a', { removed_at: 950 })])).delete, [], 'within the grace period')
  t.same((await plan([], [user('a', { removed_at: 900 })])).delete.map((u) => u.name), ['a'], 'past it')
  const back = await plan([person('a')], [user('a', { removed_at: 950, mobile: 0 })])
  t.match(back.update[0], { restored: true, changes: { removed_at: null, mobile: 1 } })
})

t.test('local users and other repositories are never touched; a shared name is a conflict', async (t) => {
  const p = await plan([person('Local'), person('other')], [user('local', { repository_id: null }), user('other', { repository_id: 2 }), user('mine-local', { repository_id: null })])
  t.same(p.conflicts, [
    { name: 'Local', reason: 'a local user has this name' },
    { name: 'other', reason: 'a user of another repository has this name' },
  ])
  t.same([p.add, p.update, p.remove, p.delete], [[], [], [], []])
})

t.test('a name twice in the directory is reported and decides nothing', async (t) => {
  const p = await plan([person('a'), person('A', { dn: 'uid=A2' })], [user('a')])
  t.same(p.conflicts, [{ name: 'a', reason: 'more than one directory entry has this name' }])
  t.same([p.add, p.update, p.remove], [[], [], []], 'the existing user is kept as it is')
})

t.test('a new entry that looks like an existing user, or an earlier new entry, is a conflict (TR39 skeletons)', async (t) => {
  const p = await plan([person('alıce'), person('ɑlice'), person('ivan'), person('ıvan'), person('amold')], [user('alice'), user('arnold')])
  t.same(p.conflicts, [
    { name: 'alıce', reason: 'it looks like the user "alice"' },
    { name: 'ɑlice', reason: 'it looks like the user "alice"' },
    { name: 'ıvan', reason: 'it looks like the user "ivan"' },
  ])
  t.same(p.add.map((x) => x.name), ['ivan', 'amold'], 'two ASCII names are never look-alikes (rn and m)')
  t.same((await plan([person('alice')], [user('alice')])).conflicts, [], "a user's own entry is no look-alike")
})

t.test('the removal guard counts the users not already removed', async (t) => {
  const users = Array.from({ length: 10 }, (_, i) => user(`u${i}`))
  const keep = (n: number) => users.slice(0, n).map((u) => person(u.name))
  t.notOk(removesTooMany(await plan(keep(8), users), 20), '2 of 10 is not more than 20%')
  t.ok(removesTooMany(await plan(keep(7), users), 20), '3 of 10 is')
  t.ok(removesTooMany(await plan([], users), 20), 'an empty directory is')
  t.notOk(removesTooMany(await plan([], []), 20), 'an empty repository never is')
})

t.test("the transport: the repository's where it reaches the user, else email, sms, outbox by what the entry has", async (t) => {
  const phoneOnly = person('p', { email: null, phone: '+44 7700 900009' })
  const neither = person('n', { email: null })
  t.same(
    [transportFor(phoneOnly, 'email'), transportFor(person('e'), 'email'), transportFor(person('e'), 'sms'), transportFor(neither, 'email'), transportFor(phoneOnly, 'outbox')],
    ['sms', 'email', 'email', 'outbox', 'outbox'],
  )
  const p = await planSync({
    repositoryId: 1,
    people: [phoneOnly, person('e'), person('s', { phone: '+44 7700 900010' })],
    users: [user('p'), user('e'), user('s', { transport: 'sms', phone: '+44 7700 900010' })],
    now: 1000,
    graceMs: 100,
    transport: 'email',
  })
  t.same(p.update.map((u) => [u.name, u.changes]), [['p', { email: null, phone: '+44 7700 900009', transport: 'sms' }]], 'a user whose transport lost its destination gets the default; the others keep theirs')
})

t.test('a user whose groups changed is updated with their names; the same groups change nothing', async (t) => {
  const p = await plan([person('a', { groups: ['staff', 'vpn'] }), person('b', { groups: ['staff'] }), person('c')], [user('a'), user('b', { directory_groups: '["staff"]' }), user('c', { directory_groups: '["gone"]' })])
  t.same(p.update.map((u) => [u.name, u.changes]), [['a', { directory_groups: '["staff","vpn"]' }], ['c', { directory_groups: null }]])
})
