import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { findUserByKey } from '../src/db/repositories/users.js'
import { parseCsv } from '../src/domain/csv.js'
import { importUsers } from '../src/domain/user-import.js'
import { build } from './helpers/build.js'
import { runCli } from './e2e/helpers/cli.js'
import { databaseIn, tempDir } from './e2e/helpers/paths.js'

t.setTimeout(300_000)

const file = [
  'name,email,phone,transport',
  'alice,alice@example.com,,email',
  'bob,,+44 7700 900002,sms',
  '"carol, the second",carol@example.com,,',
  'dave,not-an-address,,',
  ',nobody@example.com,,',
  'erin,,,sms',
  'alice,again@example.com,,',
  'frank,frank@example.com,,pigeon',
  '',
  'grace,,,',
].join('\r\n')

const users = async (services: Awaited<ReturnType<typeof build>>['services']) =>
  services.db.selectFrom('users').select(['name', 'email', 'phone', 'transport', 'repository_id']).orderBy('name').execute()

t.test('CSV import: good rows imported, bad rows reported by line, a re-run changes nothing', async (t) => {
  const { services, logs } = await build(t)
  const report = await importUsers(services, file, { file: 'staff.csv' })
  t.same(
    report.problems,
    [
      { line: 5, message: '"not-an-address" is not an email address (a plain address, name@example.com)' },
      { line: 6, message: 'no user name' },
      { line: 7, message: 'the sms transport needs a phone number' },
      { line: 8, message: 'user "alice" is already on line 2' },
      { line: 9, message: 'transport must be one of outbox, email, sms, not "pigeon"' },
    ],
  )
  t.match(report, { added: 4, updated: 0, unchanged: 0 })
  t.same(await users(services), [
    { name: 'alice', email: 'alice@example.com', phone: null, transport: 'email', repository_id: null },
    { name: 'bob', email: null, phone: '+44 7700 900002', transport: 'sms', repository_id: null },
    { name: 'carol, the second', email: 'carol@example.com', phone: null, transport: 'email', repository_id: null },
    { name: 'grace', email: null, phone: null, transport: 'outbox', repository_id: null },
  ])
  t.match(logs.find((r) => r.event === 'usersImported')?.msg, 'Users imported from staff.csv: 4 added, 0 updated, 0 unchanged, 5 rows refused')

  const before = await services.db.selectFrom('users').selectAll().orderBy('id').execute()
  const again = await importUsers(services, file)
  t.match(again, { added: 0, updated: 0, unchanged: 4 })
  t.same(await services.db.selectFrom('users').selectAll().orderBy('id').execute(), before, 'a re-run changes nothing')

  const changed = await importUsers(services, 'Bob,bob@example.com,,email\n')
  t.match(changed, { added: 0, updated: 1 }, 'without a header the columns are name, email, phone, transport; names match case-insensitively')
  t.match(await findUserByKey(services.db, 'bob'), { email: 'bob@example.com', transport: 'email' })
})

t.test('a dry run checks and changes nothing; a file that is not CSV imports nothing', async (t) => {
  const { services } = await build(t)
  t.match(await importUsers(services, file, { dryRun: true }), { added: 4 })
  t.same(await users(services), [])
  await t.rejects(importUsers(services, 'alice,a@example.com\n"bob,b@example.com\n'), { message: 'line 2: a quoted field is never closed; nothing was imported' })
  t.same(await users(services), [])
})

t.test('the CSV reader: quotes, doubled quotes, line breaks inside quotes, CRLF, a byte-order mark', async (t) => {
  t.same(parseCsv('\uFEFFa,"b ""c""",d\r\n"multi\nline",x\n\n y , z \n'), [
    { line: 1, fields: ['a', 'b "c"', 'd'] },
    { line: 2, fields: ['multi\nline', 'x'] },
    { line: 5, fields: ['y', 'z'] },
  ])
  t.throws(() => parseCsv('a"b\n'), { message: 'a quote inside an unquoted field' })
  t.throws(() => parseCsv('"a"b\n'), { message: 'text after a closing quote' })
})

t.test('agentxml user import: refused rows on stderr by line number, status 1; a re-run changes nothing', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const csv = join(dir, 'staff.csv')
  writeFileSync(csv, 'name,email\nalice,alice@example.com\nbob,bob@\n')
  const first = await runCli(['user', 'import', csv], { db, via: 'node' })
  t.equal(first.status, 1)
  t.equal(first.stderr, `agentxml: ${csv} line 3: "bob@" is not an email address (a plain address, name@example.com)\nagentxml: 1 rows of ${csv} refused (see above); the others were imported\n`)
  t.match(first.stdout, '1 added, 0 updated, 0 unchanged, 1 rows refused')
  writeFileSync(csv, 'name,email\nalice,alice@example.com\n')
  const again = await runCli(['user', 'import', csv], { db, via: 'node' })
  t.equal(again.status, 0, again.stderr)
  t.equal(again.stdout, '0 added, 0 updated, 1 unchanged, 0 rows refused\n')
  const missing = await runCli(['user', 'import', join(dir, 'none.csv')], { db, via: 'node' })
  t.equal(missing.stderr, `agentxml: cannot read ${join(dir, 'none.csv')}: ENOENT\n`)
})
