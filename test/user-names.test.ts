import t from 'tap'
import { InvalidInput } from '../src/domain/errors.js'
import { fillNameSkeletons } from '../src/domain/look-alike-users.js'
import { lookAlike } from '../src/domain/name-skeleton.js'
import { checkUserName, maxUserNameLength, nameKey, notAUserName, shownName } from '../src/domain/user-names.js'
import { addUser, userList } from '../src/domain/users.js'
import { adminAgentSecret } from './helpers/admin-seed.js'
import { build, post } from './helpers/build.js'
import { addAgent } from '../src/domain/agents.js'

const refused = (t: Tap, raw: string, message: RegExp, what: string) => t.throws(() => checkUserName(raw), message, what)
type Tap = Pick<typeof t, 'throws'>

t.test('checkUserName trims and NFC-normalises; ordinary names pass unchanged', async (t) => {
  t.equal(checkUserName('alice'), 'alice')
  t.equal(checkUserName('  alice\t'), 'alice')
  t.equal(checkUserName('Alice.Smith-2@example.com'), 'Alice.Smith-2@example.com', 'digits and ._-@ are Common: allowed beside Latin')
  t.equal(checkUserName('john smith'), 'john smith')
  t.equal(checkUserName('jose\u0301'), 'jos\u00e9', 'a decomposed é is stored composed')
  t.equal(checkUserName('josé'), 'josé')
  t.equal(checkUserName('Ærøskøbing'), 'Ærøskøbing')
  t.equal(checkUserName('алиса'), 'алиса', 'one script, Cyrillic')
  t.equal(checkUserName('Σωκράτης'), 'Σωκράτης', 'one script, Greek')
  t.equal(checkUserName('山田たろう'), '山田たろう', 'Han with Hiragana: Japanese')
  t.equal(checkUserName('ヤマダ太郎 yamada'), 'ヤマダ太郎 yamada', 'Katakana, Han and Latin')
  t.equal(checkUserName('김민준'), '김민준')
  t.equal(checkUserName('محمد'), 'محمد')
  t.equal(checkUserName('a'.repeat(maxUserNameLength)), 'a'.repeat(128))
  t.equal(checkUserName('😀'.repeat(128)), '😀'.repeat(128), '128 characters, counted as characters, not UTF-16 units')
})

t.test('checkUserName refuses what cannot be told apart or cannot be shown', async (t) => {
  refused(t, '', /cannot be empty/, 'empty')
  refused(t, '   ', /cannot be empty/, 'only spaces')
  refused(t, 'a'.repeat(129), /at most 128 characters \(this one has 129\)/, 'too long')
  refused(t, 'ａｌｉｃｅ', /U\+FF41.*compatibility form of "a"/, 'fullwidth')
  refused(t, 'ﬁnn', /U\+FB01.*compatibility form of "fi"/, 'a ligature')
  refused(t, 'alice²', /U\+00B2/, 'a superscript')
  refused(t, 'al\u00a0ice', /U\+00A0/, 'a no-break space')
  refused(t, '\u0430lice', /mixes scripts \(Cyrillic and Latin\)/, 'a Cyrillic а among Latin letters')
  refused(t, 'pаypal', /mixes scripts/, 'another')
  refused(t, 'αlice', /mixes scripts \(Greek and Latin\)/, 'Greek alpha')
  refused(t, 'ali\u200bce', /U\+200B/, 'a zero-width space')
  refused(t, 'ali\u200dce', /U\+200D/, 'a zero-width joiner')
  refused(t, '\u202eecila', /U\+202E/, 'a right-to-left override')
  refused(t, 'alice\u2066', /U\+2066/, 'a bidi isolate')
  refused(t, 'al\u2028ice', /U\+2028/, 'a line separator')
  refused(t, 'al\u2029ice', /U\+2029/, 'a paragraph separator')
  refused(t, 'al\u0085ice', /U\+0085/, 'NEL')
  refused(t, 'al\u0007ice', /U\+0007/, 'a control')
  refused(t, 'al\nice', /U\+000A/, 'a newline inside')
  refused(t, 'al\ue000ice', /U\+E000/, 'private use')
  refused(t, 'al\u{10ffff}ice', /U\+10FFFF/, 'a non-character')
  refused(t, 'al\u0378ice', /U\+0378/, 'unassigned')
  refused(t, 'al\ud800ice', /U\+D800/, 'a lone surrogate')
  refused(t, 'al"ice', /quote/, 'a double quote (log texts quote names)')
  refused(t, 'al\u3000ice', /U\+3000/, 'an ideographic space')
})

t.test('a refusal is an InvalidInput and never quotes an over-long name whole', async (t) => {
  const long = 'x'.repeat(65_000)
  try {
    checkUserName(long)
    t.fail('accepted')
  } catch (err) {
    t.ok(err instanceof InvalidInput)
    t.ok((err as Error).message.length < 200, (err as Error).message)
  }
  t.equal(shownName('alice'), 'alice')
  t.equal(shownName(long), `${'x'.repeat(64)}… (65000 characters)`)
  t.equal(shownName(`${'x'.repeat(63)}😀${'y'.repeat(100)}`), `${'x'.repeat(63)}… (164 characters)`, 'never half a surrogate pair')
})

t.test('notAUserName: what is answered as an unknown user without a look-up', async (t) => {
  t.equal(notAUserName('alice'), undefined)
  t.equal(notAUserName('z'.repeat(128)), undefined)
  t.equal(notAUserName('z'.repeat(129)), 'user name longer than 128 characters')
  t.equal(notAUserName('a\u0000b'), 'name holds U+0000')
  refused(t, 'a\u0000b', /U\+0000 is a control/, 'and no such name is ever created')
})

t.test('nameKey matches case-insensitively, after NFC', async (t) => {
  t.equal(nameKey('Alice'), nameKey('alice'))
  t.equal(nameKey('ALICE'), 'alice')
  t.equal(nameKey('JOSÉ'), nameKey('jose\u0301'))
  t.equal(nameKey('Ωmega'), nameKey('ωMEGA'))
  t.not(nameKey('alice'), nameKey('\u0430lice'), 'look-alikes are other keys: checkUserName refuses them')
})

t.test('creating a user whose key another user has is refused, whoever asks', async (t) => {
  const { app, services } = await build(t)
  await addUser(services, { name: 'alice' })
  await addUser(services, { name: 'josé' })
  for (const name of ['Alice', 'ALICE', ' alice ', 'JOSÉ', 'jose\u0301']) {
    await t.rejects(addUser(services, { name }), /already exists/, name)
  }
  await t.rejects(addUser(services, { name: 'Alice' }), /user "Alice" already exists as "alice" \(names are matched regardless of case\)/)
  await t.rejects(addUser(services, { name: 'ａｌｉｃｅ' }), /compatibility form/)
  await addUser(services, { name: 'alice2' })
  t.same((await userList(services)).map((u) => u.name), ['alice', 'alice2', 'josé'])

  // AdminXML Create: the same rules, as catalogued errors
  await addAgent(services, { name: 'portal', secret: adminAgentSecret, admin: true })
  const create = (name: string) =>
    post(app, `<AdminRequest secret="${adminAgentSecret}" version="3.6"><Create><User name="${name}"/></Create></AdminRequest>`, '/pinsafe/AdminXML')
  const error = async (name: string) => /<Error>([A-Z_]+)<\/Error>/.exec((await create(name)).body)?.[1]
  t.equal(await error('Alice'), 'AGENT_ERROR_USER_EXISTS')
  t.equal(await error('ａｌｉｃｅ'), 'AGENT_ERROR_INVALID_VALUE')
  t.equal(await error('&#x430;lice'), 'AGENT_ERROR_INVALID_VALUE')
  t.equal(await error('ali&#x200B;ce'), 'AGENT_ERROR_INVALID_VALUE')
  t.equal(await error('&#x202E;ecila'), 'AGENT_ERROR_INVALID_VALUE')
  t.equal(await error('bob'), undefined, 'bob is created')
  t.same((await userList(services)).map((u) => u.name), ['alice', 'alice2', 'bob', 'josé'])
})

t.test('look-alikes (Unicode TR39 skeletons): a name that needs a character beyond ASCII to look like another is refused', async (t) => {
  t.ok(lookAlike('alıce', 'alice'), 'a dotless i')
  t.ok(lookAlike('Ꭺlice', 'alice'), 'a Cherokee A')
  t.ok(lookAlike('ɑlice', 'Alice'), 'a Latin alpha, whatever the case')
  t.notOk(lookAlike('Alice', 'alice'), 'one user, not two look-alikes')
  t.notOk(lookAlike('josé', 'jose'), 'an accent is seen')
  t.notOk(lookAlike('müller', 'muller'))
  t.notOk(lookAlike('arnold', 'amold'), 'two ASCII names are never refused as look-alikes (rn and m)')
  t.notOk(lookAlike('jsmith1', 'jsmithl'), '(1 and l)')
  refused(t, 'ᴀlice', /U\+1D00 is a phonetic symbol/, 'a small capital: outside every alphabet, refused by itself')
  refused(t, 'jᴏe', /U\+1D0F is a phonetic symbol/, 'another small capital')

  const { app, services } = await build(t)
  await addUser(services, { name: 'alice' })
  await t.rejects(addUser(services, { name: 'alıce' }), /user name "alıce" is not allowed: it looks like the user "alice"/)
  await t.rejects(addUser(services, { name: 'ALɪCE' }), /phonetic|looks like/, 'a small capital I')
  await t.rejects(addUser(services, { name: 'ɑlice' }), /looks like the user "alice"/, 'a Latin alpha (one script)')
  await addUser(services, { name: 'ıvan' })
  await t.rejects(addUser(services, { name: 'ivan' }), /looks like the user "ıvan"/, 'an ASCII name that looks like a stored non-ASCII one')
  await addUser(services, { name: 'amold' })
  await addUser(services, { name: 'arnold' })
  await addAgent(services, { name: 'portal', secret: adminAgentSecret, admin: true })
  const reply = await post(app, `<AdminRequest secret="${adminAgentSecret}" version="3.6"><Create><User name="al&#x131;ce"/></Create></AdminRequest>`, '/pinsafe/AdminXML')
  t.match(reply.body, '<Error>AGENT_ERROR_INVALID_VALUE</Error>', 'AdminXML Create: a catalogued error')
  t.same((await userList(services)).map((u) => u.name), ['alice', 'amold', 'arnold', 'ıvan'])
})

t.test("the users of an earlier version get their skeleton when a process opens the database, and count from then on", async (t) => {
  const { services } = await build(t)
  // as a node of an earlier version wrote them: no skeleton
  for (const name of ['alice', 'bob']) {
    await services.db.insertInto('users').values({ name, name_key: name, transport: 'outbox', mobile: 1, created_at: 0 }).execute()
  }
  await addUser(services, { name: 'alıce' })
  t.pass('before the fill, the earlier rows are not compared')
  await services.db.deleteFrom('users').where('name', '=', 'alıce').execute()
  t.equal(await fillNameSkeletons(services), 2, 'both filled')
  t.equal(await fillNameSkeletons(services), 0, 'nothing left to do: a second process opening the database does nothing')
  await t.rejects(addUser(services, { name: 'alıce' }), /looks like the user "alice"/)
  const stored = await services.db.selectFrom('users').select(['name', 'name_skeleton']).orderBy('name').execute()
  t.same(stored, [{ name: 'alice', name_skeleton: 'alice' }, { name: 'bob', name_skeleton: 'bob' }])
})
