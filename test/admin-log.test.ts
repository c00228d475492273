import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { NewAuditEntry } from '../src/db/schema/index.js'
import { auditEventId, auditEventName, auditEventNames } from '../src/domain/audit-events.js'
import { checkAuditFilter, parseAuditTime } from '../src/domain/audit-query.js'
import type { Services } from '../src/domain/services.js'
import { csvCell, csvLine } from '../src/routes/admin/log-csv.js'
import { visibleText, signedIn } from './helpers/admin.js'

// scrypt is slow on a busy machine: more than tap's default per file
t.setTimeout(600_000)

const now = Date.parse('2026-11-28T12:00:00Z')
const minute = 60_000
const hour = 60 * minute
const day = 24 * hour


const entry = (time: number, event: string, fields: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
  time,
  event,
  message: `${event} at ${new Date(time).toISOString()}`,
  outcome: 'success',
  ...fields,
})

async function seedEntries(services: Services, entries: readonly NewAuditEntry[]) {
  await services.flushAudit?.()
  for (const row of entries) await services.db.insertInto('audit_log').values(row).execute()
}

/** The legacy texts in the Log page's message column, top to bottom. */
const messagesOf = (body: string) => [...body.matchAll(/<td class="message"><details><summary>([^<]*)<\/summary>/g)].map((m) => visibleText(m[1] ?? ''))

t.test('times: ISO dates and times, with or without an offset, and times ago', (t) => {
  t.equal(parseAuditTime('2026-11-27', now, 'start'), Date.parse('2026-11-27T00:00:00Z'))
  t.equal(parseAuditTime('2026-11-27', now, 'end'), Date.parse('2026-11-28T00:00:00Z'), 'as the end, a date takes in its whole day')
  t.equal(parseAuditTime('2026-11-27 14:30', now, 'end'), Date.parse('2026-11-27T14:30:00Z'), 'a time is UTC unless it says otherwise')
  t.equal(parseAuditTime('2026-11-27T14:30:15.250Z', now, 'start'), Date.parse('2026-11-27T14:30:15.250Z'))
  t.equal(parseAuditTime('2026-11-27T14:30+02:00', now, 'start'), Date.parse('2026-11-27T12:30:00Z'))
  t.equal(parseAuditTime('2026-11-27T14:30-0530', now, 'start'), Date.parse('2026-11-27T20:00:00Z'))
  t.equal(parseAuditTime('24h', now, 'start'), now - day)
  t.equal(parseAuditTime('7d', now, 'start'), now - 7 * day)
  t.equal(parseAuditTime('30m', now, 'start'), now - 30 * minute)
  t.equal(parseAuditTime('2w', now, 'start'), now - 14 * day)
  t.equal(parseAuditTime(' now ', now, 'end'), now)
  for (const bad of ['yesterday', '2026-02-30', '2026-13-01', '2026-11-28T24:00', '2026-11-28T12:60', '7', '-7d', '7y', '28/11/2026', '']) {
    t.equal(parseAuditTime(bad, now, 'start'), undefined, JSON.stringify(bad))
  }
  t.end()
})

t.test('the filter is checked once, every problem named by its field', (t) => {
  const { filter, problems } = checkAuditFilter({ user: ' alice ', event: 'Login failed', outcome: 'Failure', source: '::ffff:10.0.0.1', since: '7d', until: '2026-11-28' }, now)
  t.equal(problems.size, 0)
  t.same(filter, { user: 'alice', event: 'loginFailed', outcome: 'failure', source: '10.0.0.1', since: now - 7 * day, until: Date.parse('2026-11-29T00:00:00Z') })
  const bad = checkAuditFilter({ outcome: 'maybe', since: 'last week', until: '2026-11-01' }, now)
  t.same([...bad.problems.keys()].sort(), ['outcome', 'since'])
  t.match(bad.problems.get('since'), '"last week" is not a time: use a date (2026-11-28)')
  t.equal(bad.problems.get('outcome'), 'the outcome is success or failure, not "maybe"')
  const backwards = checkAuditFilter({ since: '2026-11-28', until: '2026-11-27' }, now)
  t.equal(backwards.problems.get('until'), 'the end of the period must be after its start')
  t.same(checkAuditFilter({ user: '', event: '  ' }, now).filter, { user: undefined, event: undefined, outcome: undefined, source: undefined, since: undefined, until: undefined })
  t.end()
})

t.test('every event the code logs has a human name', (t) => {
  const files: string[] = []
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (path.endsWith('.ts')) files.push(path)
    }
  }
  walk(join(import.meta.dirname, '..', 'src'))
  const logged = new Set(files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\bevent: '([A-Za-z]+)'/g)].map((m) => m[1] ?? '')))
  t.ok(logged.size > 30, `found the events (${logged.size})`)
  for (const event of logged) t.ok(Object.hasOwn(auditEventNames, event), `${event} has a name`)
  const names = Object.values(auditEventNames)
  t.equal(new Set(names).size, names.length, 'no two events share a name')
  t.equal(auditEventName('loginFailed'), 'Login failed')
  t.equal(auditEventName('fromANewerVersion'), 'fromANewerVersion', 'an unknown id is shown as it is')
  t.equal(auditEventName('constructor'), 'constructor', 'not an Object.prototype member')
  t.equal(auditEventId('login FAILED'), 'loginFailed', 'a name finds its id in any case')
  t.equal(auditEventId('loginfailed'), 'loginFailed')
  t.equal(auditEventId('somethingElse'), 'somethingElse')
  t.end()
})

t.test('CSV cells: quoted when needed, and never a formula', (t) => {
  t.equal(csvCell('plain'), 'plain')
  t.equal(csvCell(null), '')
  t.equal(csvCell(42), '42')
  t.equal(csvCell('a,b'), '"a,b"')
  t.equal(csvCell('say "hi"'), '"say ""hi"""')
  t.equal(csvCell('two\nlines'), '"two\nlines"')
  t.equal(csvCell('cr\r'), '"cr\r"')
  for (const formula of ['=1+1', '+1', '-1', '@SUM(A1)', ' =HYPERLINK("http://x")', '\t=1', '\r=1']) {
    t.equal(csvCell(formula).replace(/^"/, '').charAt(0), "'", `${JSON.stringify(formula)} gets an apostrophe`)
  }
  t.equal(csvCell('=cmd|" /C calc"!A0'), `"'=cmd|"" /C calc""!A0"`, 'neutralised and quoted')
  t.equal(csvCell('a=b'), 'a=b', 'only a leading sign counts')
  t.equal(csvCell('::1'), '::1')
  t.equal(csvLine(['a', null, 'b,c']), 'a,,"b,c"\r\n')
  t.end()
})

t.test('Log: human event names, one line per entry, the reason behind a click', async (t) => {
  const { services, client } = await signedIn(t)
  const long = `Login failed for user: bob, error: ${'a very long reason '.repeat(20)}`
  await seedEntries(services, [
    entry(now - hour, 'loginFailed', { message: long, user_name: 'bob', source: '10.0.0.9', outcome: 'failure', detail: 'wrong code' }),
    entry(now - minute, 'somethingNew', { message: 'from a newer version' }),
  ])
  const body = (await client.get('/admin/log?source=10.0.0.9')).body
  t.match(body, '<span class="clip" title="loginFailed">Login failed</span>', 'the name shown, the id in its title')
  t.match(body, `<details><summary>${long}</summary><p>wrong code</p></details>`, 'the full text and the reason, opened by a click')
  t.match(body, '<td class="time">2026-11-28 11:00:00</td>')
  t.match(visibleText(body), 'bob 10.0.0.9')
  t.match(visibleText((await client.get('/admin/log?event=somethingNew')).body), 'somethingNew', 'an unknown event shows its id')
  t.match((await client.get('/admin/log?event=somethingNew')).body, '<option value="somethingNew" selected>')
})

t.test('Log filters by time range, outcome and source address as well as user and event', async (t) => {
  const { services, client } = await signedIn(t)
  await seedEntries(services, [
    entry(now - 10 * day, 'loginOk', { user_name: 'alice', source: '10.0.0.1' }),
    entry(Date.parse('2026-11-27T08:00:00Z'), 'loginFailed', { user_name: 'alice', source: '10.0.0.1', outcome: 'failure' }),
    entry(Date.parse('2026-11-27T23:59:59Z'), 'loginOk', { user_name: 'bob', source: '10.0.0.2' }),
    entry(now - 30 * minute, 'loginFailed', { user_name: 'bob', source: '2001:db8::1', outcome: 'failure' }),
  ])
  const events = async (query: string) => {
    const reply = await client.get(`/admin/log?${query}`)
    t.equal(reply.statusCode, 200, query)
    return messagesOf(reply.body).filter((m) => !m.startsWith('Administrator'))
  }
  t.equal((await events('')).length, 4)
  t.same(await events('since=2026-11-27&until=2026-11-27'), ['loginOk at 2026-11-27T23:59:59.000Z', 'loginFailed at 2026-11-27T08:00:00.000Z'], 'one whole day')
  t.same(await events('since=1h'), ['loginFailed at 2026-11-28T11:30:00.000Z'])
  t.same(await events('until=7d'), ['loginOk at 2026-11-18T12:00:00.000Z'])
  t.same(await events('outcome=failure'), ['loginFailed at 2026-11-28T11:30:00.000Z', 'loginFailed at 2026-11-27T08:00:00.000Z'])
  t.same(await events('source=2001%3Adb8%3A%3A1'), ['loginFailed at 2026-11-28T11:30:00.000Z'])
  t.same(await events('user=alice&outcome=success'), ['loginOk at 2026-11-18T12:00:00.000Z'])
  t.same(await events('event=loginOk&since=2d'), ['loginOk at 2026-11-27T23:59:59.000Z'])
  const page = (await client.get('/admin/log?outcome=failure&since=7d')).body
  t.match(page, '<option value="failure" selected>', 'the form shows the filter in force')
  t.match(page, 'name="since" value="7d"')
  t.match(page, 'href="/admin/log.csv?outcome=failure&amp;since=7d"', 'the export takes the same filter')
  t.match(visibleText(page), '2 entries match this filter.')

  const bad = await client.get('/admin/log?since=yesterday&outcome=maybe')
  t.equal(bad.statusCode, 400)
  t.match(visibleText(bad.body), 'The filter was not applied: "yesterday" is not a time: use a date (2026-11-28), a UTC time')
  t.match(visibleText(bad.body), 'The outcome is success or failure, not "maybe"')
  t.match(bad.body, 'aria-invalid="true"')
  t.notMatch(bad.body, '<table', 'no entries under a filter that was not applied')
})

t.test('Log pages through big tables by position, newest first', async (t) => {
  const { services, client } = await signedIn(t)
  // 120 entries, some sharing a millisecond: the id orders those
  await seedEntries(services, Array.from({ length: 120 }, (_, i) => entry(now - 10 * day + Math.floor(i / 3) * minute, 'loginOk', { message: `entry ${i}` })))
  const query = 'event=loginOk'
  const first = await client.get(`/admin/log?${query}`)
  const seen = messagesOf(first.body)
  t.equal(seen.length, 50)
  t.equal(seen[0], 'entry 119')
  t.match(visibleText(first.body), '120 entries match this filter.')
  t.notMatch(first.body, 'rel="prev"', 'no newer page from the newest')
  const older = /href="([^"]+)" rel="next"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&') ?? ''
  t.match(older, /^\/admin\/log\?event=loginOk&before=\d+_\d+$/)
  const second = await client.get(older)
  t.same(messagesOf(second.body), Array.from({ length: 50 }, (_, i) => `entry ${69 - i}`), 'the next 50, none twice, none skipped')
  const third = await client.get(/href="([^"]+)" rel="next"/.exec(second.body)?.[1]?.replaceAll('&amp;', '&') ?? '')
  t.same(messagesOf(third.body), Array.from({ length: 20 }, (_, i) => `entry ${19 - i}`))
  t.notMatch(third.body, 'rel="next"', 'the oldest page has no older one')
  const back = await client.get(/href="([^"]+)" rel="prev"/.exec(third.body)?.[1]?.replaceAll('&amp;', '&') ?? '')
  t.same(messagesOf(back.body), messagesOf(second.body), 'Newer goes back to the same page')
  const top = await client.get(/href="([^"]+)" rel="prev"/.exec(back.body)?.[1]?.replaceAll('&amp;', '&') ?? '')
  t.same(messagesOf(top.body), seen)
  t.notMatch(top.body, 'rel="prev"', 'and from there no newer page')
  t.equal((await client.get('/admin/log?before=garbage')).statusCode, 200, 'a broken position is the newest page')
})

t.test('CSV export: the current filter, every entry, quoted and neutralised, and itself audited', async (t) => {
  const { app, services, client, logs } = await signedIn(t)
  await seedEntries(services, [
    entry(now - 2 * hour, 'loginFailed', { user_name: '=HYPERLINK("http://evil.example","x")', message: 'Login failed for user: =HYPERLINK("http://evil.example","x"), error: Invalid OTC', outcome: 'failure', source: '10.0.0.5', detail: 'wrong code, twice' }),
    entry(now - hour, 'loginOk', { user_name: 'alice', message: 'Login successful for user: alice.', source: '10.0.0.6' }),
    ...Array.from({ length: 600 }, (_, i) => entry(now - 20 * day + i, 'tokenIndex', { message: `bulk ${i}` })),
  ])
  const reply = await client.get('/admin/log.csv?outcome=failure&since=1d')
  t.equal(reply.statusCode, 200)
  t.equal(reply.headers['content-type'], 'text/csv; charset=utf-8')
  t.match(reply.headers['content-disposition'], /^attachment; filename="agentxml-log-20261128-1200\.csv"$/)
  t.equal(reply.headers['cache-control'], 'no-store', 'the console headers apply')
  const lines = reply.body.split('\r\n')
  t.equal(lines[0], 'Id,Time (UTC),Event,Event id,Outcome,User,By,By (kind),Source,Message,Detail')
  t.match(lines[1], /^\d+,2026-11-28T10:00:00\.000Z,Login failed,loginFailed,failure,/)
  t.match(lines[1], `,"'=HYPERLINK(""http://evil.example"",""x"")",,,10.0.0.5,"Login failed for user: =HYPERLINK(""http://evil.example"",""x""), error: Invalid OTC","wrong code, twice"`)
  t.equal(lines.length, 3, 'one entry, then the final line ending')
  t.equal(lines[2], '')
  const exported = logs.find((r) => r.event === 'logExported')
  t.equal(exported?.msg, 'Log exported by administrator "root" (outcome=failure, since=1d)')
  t.equal(exported?.admin, 'root')

  const all = await client.get('/admin/log.csv?event=tokenIndex')
  const rows = all.body.trimEnd().split('\r\n').slice(1)
  t.equal(rows.length, 600, 'more than one page of entries, all of them')
  t.match(rows[0], ',bulk 599,')
  t.match(rows.at(-1), ',bulk 0,')

  const bad = await client.get('/admin/log.csv?since=soon')
  t.equal(bad.statusCode, 303, 'a filter that is not valid goes back to the page that says why')
  t.equal(bad.headers.location, '/admin/log?since=soon')
  const anonymous = await app.inject({ method: 'GET', url: '/admin/log.csv' })
  t.equal(anonymous.statusCode, 303, 'no export without a session')
})
