import t from 'tap'
import { build } from './helpers/build.js'
import { inOrder, loadFixtures, normaliseReply, runSetup } from './helpers/fixtures.js'
import { validateAll } from './helpers/xsd.js'

// Every request/reply pair under fixtures/agentxml/ (fixtures/agentxml/README.md): the files against the schema,
// then each request through the app, its live reply against the fixture and the schema.

const fixtures = loadFixtures()

t.test('the fixture set covers every action folder and is not empty', async (t) => {
  const folders = new Set(fixtures.map((f) => f.name.split('/')[0]))
  for (const folder of ['ping', 'provision', 'security-strings', 'reprovision', 'general']) t.ok(folders.has(folder), folder)
  t.ok(fixtures.length >= 50, `${fixtures.length} fixtures`)
})

t.test('every reply fixture is valid against schemas/agentxml.xsd', async (t) => {
  const errors = await validateAll(fixtures.map((f) => ({ name: `${f.name}.reply`, xml: f.reply })))
  for (const f of fixtures) t.same(errors.get(`${f.name}.reply`), [], `${f.name}.reply.xml`)
})

t.test('every request fixture is valid against the schema unless marked requestValid: false', async (t) => {
  const errors = await validateAll(fixtures.map((f) => ({ name: `${f.name}.request`, xml: f.request.toString('utf8') })))
  for (const f of fixtures) {
    const found = errors.get(`${f.name}.request`) ?? []
    if (f.requestValid === false) t.not(found.length, 0, `${f.name}.request.xml breaks the schema, as marked`)
    else t.same(found, [], `${f.name}.request.xml`)
  }
})

t.test('every request fixture gets its reply fixture from the live app', async (t) => {
  const live: { name: string; xml: string }[] = []
  for (const fixture of fixtures) {
    await t.test(`${fixture.name}: ${fixture.about}`, async (t) => {
      const { app, services, clock, logs } = await build(t)
      await runSetup(services, clock, fixture.setup)
      const response = await app.inject({
        method: 'POST',
        url: fixture.path,
        headers: { 'content-type': 'text/xml' },
        payload: fixture.request,
        ...(fixture.remoteAddress ? { remoteAddress: fixture.remoteAddress } : {}),
      })
      t.equal(response.statusCode, 200)
      t.equal(response.headers['content-type'], 'text/xml; charset=UTF-8')
      t.equal(normaliseReply(response.body), normaliseReply(fixture.reply), 'the reply, random values aside')
      if (fixture.logs) {
        const messages = logs.map((record) => record.msg)
        t.ok(inOrder(messages, fixture.logs), 'the log lines, in order', { found: messages, wanted: fixture.logs })
      }
      live.push({ name: `${fixture.name}.live`, xml: response.body })
    })
  }
  const errors = await validateAll(live)
  for (const { name } of live) t.same(errors.get(name), [], `live reply ${name} is valid against the schema`)
})

t.test('the normaliser replaces only values of the exact shape', async (t) => {
  const id = '<Id>ba50932d8ac5fc4e279c6783a2c27b28</Id>'
  t.equal(normaliseReply(id), '<Id>{provision-id}</Id>')
  t.equal(normaliseReply('<Id>BA50932D8AC5FC4E279C6783A2C27B28</Id>'), '<Id>BA50932D8AC5FC4E279C6783A2C27B28</Id>', 'upper-case hex is not an Id')
  t.equal(normaliseReply('<Id>ba50932d8ac5fc4e279c6783a2c27b2</Id>'), '<Id>ba50932d8ac5fc4e279c6783a2c27b2</Id>', '31 digits is not an Id')
  const digits = Array.from({ length: 100 }, (_, n) => String(n).padStart(10, '0'))
  t.equal(normaliseReply(`<SecurityStrings>${digits.join(';')}</SecurityStrings>`), '<SecurityStrings>{security-strings:numbers}</SecurityStrings>')
  const short = `<SecurityStrings>${digits.slice(1).join(';')}</SecurityStrings>`
  t.equal(normaliseReply(short), short, '99 fields stay as they are')
  const mixed = digits.map((s, n) => (n === 5 ? 'abcdeABCDE' : s)).join(';')
  t.equal(normaliseReply(`<SecurityStrings>${mixed}</SecurityStrings>`), `<SecurityStrings>${mixed}</SecurityStrings>`, 'no string type has digits, upper and lower')
})
