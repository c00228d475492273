import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { findUserByKey } from '../src/db/repositories/users.js'
import { csvLimits, parseCsv } from '../src/domain/csv.js'
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
  t.throws(() => parseCsv('a,b\n\n"c\nd\n'), { line: 3, message: 'a quoted field is never closed' }, 'the line the unclosed field begins on')
})

t.test('the CSV reader: the separator is the one the first line uses, a comma, a semicolon or a tab', async (t) => {
  t.same(parseCsv('name;email\r\n"carol; the second";carol@example.com\r\nx,y;z\r\n'), [
    { line: 1, fields: ['name', 'email'] },
    { line: 2, fields: ['carol; the second', 'carol@example.com'] },
    { line: 3, fields: ['x,y', 'z'] },
  ])
  t.same(parseCsv('\n  \nname\temail\nbob\t\n'), [
    { line: 3, fields: ['name', 'email'] },
    { line: 4, fields: ['bob', ''] },
  ])
  t.same(parseCsv('"a;b",c\n'), [{ line: 1, fields: ['a;b', 'c'] }], 'a separator inside quotes does not count')
  t.same(parseCsv('alice\n,,,\n\nbob\n'), [
    { line: 1, fields: ['alice'] },
    { line: 4, fields: ['bob'] },
  ], "a row of empty fields (Excel's blank rows) is no record")
})

t.test('a file separated by semicolons or tabs is imported by its columns', async (t) => {
  const { services } = await build(t)
  const semicolons = '\uFEFFName;Email;Phone\r\nalice;alice@example.com;\r\nbob;;+44 7700 900002\r\n"carol; the second";carol@example.com;\r\ndave;dave@;\r\n'
  const report = await importUsers(services, semicolons)
  t.same(report.problems, [{ line: 5, message: '"dave@" is not an email address (a plain address, name@example.com)' }])
  t.match(report, { added: 3 })
  t.same((await users(services)).map((u) => [u.name, u.email, u.phone, u.transport]), [
    ['alice', 'alice@example.com', null, 'email'],
    ['bob', null, '+44 7700 900002', 'sms'],
    ['carol; the second', 'carol@example.com', null, 'email'],
  ])
  t.match(await importUsers(services, semicolons), { added: 0, updated: 0, unchanged: 3 }, 'a re-run changes nothing')
  t.match(await importUsers(services, 'transport\tname\nsms\tbob\noutbox\terin\n'), { problems: [{ line: 2, message: 'the sms transport needs a phone number' }], added: 1 })
})

t.test('a first row naming no known column: a user when it reads as one, else the file is refused', async (t) => {
  const { services } = await build(t)
  const refused = (text: string, message: string) => t.rejects(importUsers(services, text), { message }, JSON.stringify(text.split('\n')[0]))
  await refused('Nom;Courriel\nalice;alice@example.com\n', 'line 1: neither a header naming the columns (name, email, phone, transport) nor a user ("Courriel" is not an email address (a plain address, name@example.com)); nothing was imported')
  await refused('Benutzer\tE-Mail\nalice\talice@example.com\n', 'line 1: neither a header naming the columns (name, email, phone, transport) nor a user ("E-Mail" is not an email address (a plain address, name@example.com)); nothing was imported')
  await refused('email,phone\nalice@example.com,\n', 'line 1: the header has no name column; nothing was imported')
  await refused('name,mail\nalice,alice@example.com\n', 'line 1: unknown column "mail" (the columns are name, email, phone, transport); nothing was imported')
  t.same(await users(services), [], 'nothing was imported')
  t.match(await importUsers(services, 'alice;alice@example.com\n'), { added: 1, problems: [] }, 'without a header, a first row that is a user is one')
  t.match(await importUsers(services, 'name;email;;\nbob;bob@example.com;;\n'), { added: 1, problems: [] }, 'an empty header cell names no column')
})

/** Shared SMTP and SMS settings (nothing listens): imported users' PINs are queued, not refused for want of a transport. */
async function withTransports(db: string) {
  for (const [key, value] of [['smtp-url', 'smtp://127.0.0.1:9'], ['smtp-from', 'noreply@example.com'], ['sms-url', 'http://127.0.0.1:9/send']]) {
    const set = await runCli(['settings', 'set', key as string, value as string], { db })
    if (set.status !== 0) throw new Error(set.stderr)
  }
}

t.test('agentxml user import: refused rows on stderr by line number, status 1; a re-run changes nothing', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  await withTransports(db)
  const csv = join(dir, 'staff.csv')
  writeFileSync(csv, 'name,email\nalice,alice@example.com\nbob,bob@\n')
  const first = await runCli(['user', 'import', csv], { db })
  t.equal(first.status, 1)
  t.equal(first.stderr, `agentxml: ${csv} line 3: "bob@" is not an email address (a plain address, name@example.com)\nagentxml: 1 rows of ${csv} refused (see above); the others were imported\n`)
  t.match(first.stdout, '1 added, 0 updated, 0 unchanged, 1 rows refused')
  writeFileSync(csv, 'name,email\nalice,alice@example.com\n')
  const again = await runCli(['user', 'import', csv], { db })
  t.equal(again.status, 0, again.stderr)
  t.equal(again.stdout, '0 added, 0 updated, 1 unchanged, 0 rows refused\n')
  const missing = await runCli(['user', 'import', join(dir, 'none.csv')], { db })
  t.equal(missing.stderr, `agentxml: cannot read ${join(dir, 'none.csv')}: ENOENT\n`)
})

t.test('agentxml user import: a semicolon file (Excel) is imported; one whose header names no known column is refused whole', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  await withTransports(db)
  const csv = join(dir, 'staff.csv')
  writeFileSync(csv, 'name;email;phone\r\nalice;alice@example.com;\r\nbob;;+44 7700 900002\r\n')
  const imported = await runCli(['user', 'import', csv], { db })
  t.same([imported.status, imported.stderr], [0, ''])
  t.match(imported.stdout, /\n2 added, 0 updated, 0 unchanged, 0 rows refused\n$/)
  const list = await runCli(['user', 'list'], { db })
  t.match(list.stdout, /^alice +email +alice@example\.com/m)
  t.match(list.stdout, /^bob +sms +\+44 7700 900002/m)
  t.notMatch(list.stdout, 'name;email')

  writeFileSync(csv, 'Nom;Courriel\r\ncarol;carol@example.com\r\n')
  const refused = await runCli(['user', 'import', csv], { db })
  t.equal(refused.status, 1)
  t.equal(refused.stdout, '')
  t.equal(
    refused.stderr,
    `agentxml: ${csv} line 1: neither a header naming the columns (name, email, phone, transport) nor a user ("Courriel" is not an email address (a plain address, name@example.com)); nothing was imported\n`,
  )
  t.notMatch((await runCli(['user', 'list'], { db })).stdout, 'carol', 'nothing imported')
})

t.test('agentxml user import: a file that is not UTF-8 is refused by line, nothing imported (issue #25, item 13)', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const csv = join(dir, 'latin1.csv')
  writeFileSync(csv, Buffer.from('name,email\nalice,alice@example.com\nJosé,jose@example.com\n', 'latin1'))
  const refused = await runCli(['user', 'import', csv], { db })
  t.equal(refused.status, 1)
  t.equal(refused.stderr, `agentxml: ${csv} line 3: not UTF-8: save the file as UTF-8 ("CSV UTF-8" in Excel); nothing was imported\n`)
  t.notMatch((await runCli(['user', 'list'], { db })).stdout, 'alice', 'no user was made, Jos\uFFFD least of all')
})

t.test('agentxml user import: a record and a file are bounded, and a huge field is never echoed (issue #25, item 13)', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const csv = join(dir, 'huge.csv')
  writeFileSync(csv, `name,email\nalice,alice@example.com\n${'x'.repeat(5_000_000)},x@example.com\n`)
  const field = await runCli(['user', 'import', csv], { db })
  t.equal(field.status, 1)
  t.equal(field.stderr, `agentxml: ${csv} line 3: a record of more than ${csvLimits.recordChars} characters; nothing was imported\n`)
  writeFileSync(csv, `name,email\n${'alice,alice@example.com\n'.repeat(Math.ceil(csvLimits.fileBytes / 24) + 1)}`)
  const file = await runCli(['user', 'import', csv], { db })
  t.equal(file.status, 1)
  t.equal(file.stderr, `agentxml: ${csv} has more than ${csvLimits.fileBytes} bytes (16 MiB): split it\n`)
})

t.test('a row whose name looks like an existing user or an earlier row is refused by line (TR39 skeletons)', async (t) => {
  const { services } = await build(t)
  await importUsers(services, 'name,email\nalice,alice@example.com\n')
  const report = await importUsers(services, 'name,email\nalıce,a2@example.com\nıvan,ivan@example.com\nivan,ivan2@example.com\nALICE,alice@example.com\n')
  t.same(report.problems, [
    { line: 2, message: 'user name "alıce" is not allowed: it looks like the user "alice"' },
    { line: 4, message: 'user name "ivan" is not allowed: it looks like the user "ıvan"' },
  ])
  t.match(report, { added: 1, unchanged: 1 }, 'ıvan added; ALICE is alice, unchanged')
  t.same((await users(services)).map((u) => u.name), ['alice', 'ıvan'])
})
