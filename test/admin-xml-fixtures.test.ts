import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { validateXML } from 'xmllint-wasm'
import { adminErrorCatalogue } from '../src/protocol/admin-errors.js'
import { adminOperationNames } from '../src/protocol/admin-types.js'
import { seedAdminWorld } from './helpers/admin-seed.js'
import { build, post } from './helpers/build.js'

// scrypt and child processes are slow on a busy machine: more than tap's default per file
t.setTimeout(600_000)

const root = 'fixtures/adminxml'
const schema = readFileSync('schemas/adminxml.xsd', 'utf8')

/** Every request/reply pair: `fixtures/adminxml/<group>/<case>.request.xml` and `.reply.xml`. */
const fixtures = readdirSync(root).flatMap((group) =>
  readdirSync(join(root, group))
    .filter((file) => file.endsWith('.request.xml'))
    .map((file) => {
      const name = `${group}/${file.replace('.request.xml', '')}`
      return { name, request: readFileSync(join(root, `${name}.request.xml`)), reply: readFileSync(join(root, `${name}.reply.xml`), 'utf8') }
    }),
)

/** Requests the schema itself refuses (the server refuses them too); the DOCTYPE one is not given to xmllint at all. */
const schemaInvalid = new Set([
  'request/malformed',
  'request/wrong-root',
  'request/unknown-operation',
  'request/unknown-child',
  'request/repeated-child',
  'request/no-user',
  'update/invalid-transport',
])
const notValidated = new Set(['request/doctype'])

t.test('every fixture request gets exactly its reply', async (t) => {
  t.ok(fixtures.length >= 30, `${fixtures.length} fixtures`)
  for (const fixture of fixtures) {
    const { app, services } = await build(t)
    await seedAdminWorld(services)
    const reply = await post(app, fixture.request, '/pinsafe/AdminXML')
    t.equal(reply.statusCode, 200, `${fixture.name}: status`)
    t.equal(reply.headers['content-type'], 'text/xml; charset=UTF-8', `${fixture.name}: content type`)
    t.equal(reply.body, fixture.reply, fixture.name)
  }
})

t.test('the /sentry context answers the same', async (t) => {
  const { app, services } = await build(t)
  await seedAdminWorld(services)
  const fixture = fixtures.find((f) => f.name === 'read/pass')
  const reply = await post(app, fixture?.request ?? '', '/sentry/AdminXML')
  t.equal(reply.body, fixture?.reply)
})

t.test('every reply is valid against schemas/adminxml.xsd', async (t) => {
  const result = await validateXML({ xml: fixtures.map((f) => ({ fileName: `${f.name.replace('/', '-')}.reply.xml`, contents: f.reply })), schema })
  t.same(result.errors.map((e) => e.message), [], 'no schema errors')
  t.ok(result.valid)
})

t.test('the schema accepts the valid requests and refuses the invalid ones', async (t) => {
  const valid = fixtures.filter((f) => !schemaInvalid.has(f.name) && !notValidated.has(f.name))
  const result = await validateXML({ xml: valid.map((f) => ({ fileName: `${f.name.replace('/', '-')}.xml`, contents: f.request.toString() })), schema })
  t.same(result.errors.map((e) => e.message), [], 'valid requests')
  for (const name of schemaInvalid) {
    const fixture = fixtures.find((f) => f.name === name)
    t.ok(fixture, `${name} exists`)
    const check = await validateXML({ xml: { fileName: 'request.xml', contents: fixture?.request.toString() ?? '' }, schema })
    t.notOk(check.valid, `${name} is refused by the schema`)
  }
})

t.test('every operation and every catalogued error is covered by a fixture, and documented', async (t) => {
  const replies = fixtures.map((f) => f.reply).join('\n')
  const requests = fixtures.map((f) => f.request.toString()).join('\n')
  const xsd = readFileSync('schemas/adminxml.xsd', 'utf8')
  for (const operation of adminOperationNames) {
    t.match(requests, `<${operation}>`, `${operation} is requested by a fixture`)
    t.match(replies, `<${operation} user=`, `${operation} has a reply`)
    t.match(replies, new RegExp(`<${operation} user="[^"]*"><Result>PASS`), `${operation} passes in a fixture`)
    t.match(replies, new RegExp(`<${operation} user="[^"]*"><Result>FAIL`), `${operation} fails in a fixture`)
  }
  for (const code of Object.keys(adminErrorCatalogue)) {
    t.match(replies, `<Error>${code}</Error>`, `${code} appears in a fixture reply`)
    t.match(xsd, code, `${code} is in the schema`)
  }
})
