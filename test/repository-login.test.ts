import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { listMessages } from '../src/db/repositories/messages.js'
import { addAgent } from '../src/domain/agents.js'
import { syncRepository } from '../src/domain/directory-sync.js'
import { deriveOtc } from '../src/domain/otc.js'
import { setPin } from '../src/domain/users.js'
import { messages } from '../src/protocol/messages.js'
import { decrypt } from '../src/secrets.js'
import { build, element, post, sasRequest } from './helpers/build.js'
import { addTestRepository, startDirectory, userNamed } from './helpers/directory.js'
import { downloadStrings } from './helpers/login.js'
import { agentSecret } from './helpers/seed.js'
import { slapdSkip } from './helpers/slapd.js'

t.setTimeout(300_000)

const alicePassword = 'alice-directory-pw'

const agentXml = (action: string, user: string, extra = '') =>
  sasRequest(`<Secret>${agentSecret}</Secret><RequestID>7</RequestID><Action>${action}</Action><Username>${user}</Username>${extra}`)

async function reply(app: FastifyInstance, xml: string, path?: string) {
  const body = (await post(app, xml, path)).body
  return { body, result: element(body, 'Result'), error: element(body, 'Error') }
}

async function setup(t: Test, options: { checkPassword: boolean; logOperations?: boolean }) {
  const slapd = await startDirectory({ logOperations: options.logOperations === true })
  t.teardown(() => slapd.close())
  const built = await build(t)
  await addAgent(built.services, { name: 'portal', secret: agentSecret, networks: ['127.0.0.1/32'], checkPassword: options.checkPassword })
  await addTestRepository(built.services, slapd)
  return { slapd, ...built }
}

/** Reprovision through the agent, take the code from the queued message, provision and download: a ready device. */
async function provisionThroughQueue(built: Awaited<ReturnType<typeof setup>>, user: string) {
  const { app, services } = built
  const reprovisioned = await reply(app, agentXml('reprovision', user))
  const [message] = await listMessages(services.db, { status: 'queued' })
  const code = /is ([A-Z0-9]+)/.exec(decrypt(services.keys, message?.body ?? Buffer.alloc(0), 'message'))?.[1] ?? ''
  const provision = await reply(app, sasRequest(`<Action>provision</Action><Username>${user}</Username><ProvisionCode>${code}</ProvisionCode>`), '/proxy/AgentXML')
  const id = element(provision.body, 'Id') ?? ''
  return { reprovisioned, provision, strings: await downloadStrings(app, id) }
}

t.test('a user not yet synchronised gets "No suitable authentication method"; after a sync they provision and log in', { skip: slapdSkip }, async (t) => {
  const built = await setup(t, { checkPassword: false })
  const { app, services, logs } = built
  const before = await reply(app, agentXml('reprovision', 'alice'))
  t.equal(before.error, 'AGENT_ERROR_NO_USER_FOUND')
  t.equal(logs.find((r) => r.event === 'noAuthMethod')?.msg, messages.noAuthMethod('alice'))
  t.match(messages.noAuthMethod('alice'), 'a synchronisation has not yet occurred')

  await syncRepository(services, 'corp', { trigger: 'command' })
  await setPin(services, 'alice', '2468')
  const { reprovisioned, provision, strings } = await provisionThroughQueue(built, 'alice')
  t.equal(reprovisioned.result, 'PASS', 'reprovisioned')
  t.equal(provision.result, 'PASS', 'provisioned a device')
  t.equal(strings.length, 100, 'and downloaded its strings')
  const login = await reply(app, agentXml('login', 'alice', `<OTC>${deriveOtc(strings[1] ?? '', '2468', 1, 'modern')}</OTC>`))
  t.equal(login.result, 'PASS', 'and logged in')
})

t.test('a user outside the mobile group cannot provision: the same "No suitable authentication method" line', { skip: slapdSkip }, async (t) => {
  const built = await setup(t, { checkPassword: false })
  await syncRepository(built.services, 'corp', { trigger: 'command' })
  const { provision } = await provisionThroughQueue(built, 'dave')
  t.equal(provision.error, 'PROVISION_FAILURE')
  t.match(built.logs.filter((r) => r.event === 'noAuthMethod').at(-1), { user: 'dave', reason: 'no mobile right' })
})

t.test('password checking: right code and password PASS; a wrong password FAILs plainly and counts; no log line has a password', { skip: slapdSkip }, async (t) => {
  const built = await setup(t, { checkPassword: true })
  const { app, services, lines } = built
  await syncRepository(services, 'corp', { trigger: 'command' })
  await setPin(services, 'alice', '2468')
  const { strings } = await provisionThroughQueue(built, 'alice')
  const otc = (index: number) => deriveOtc(strings[index] ?? '', '2468', index, 'modern')
  const login = (index: number, password?: string) =>
    reply(app, agentXml('login', 'alice', `<OTC>${otc(index)}</OTC>${password === undefined ? '' : `<Password>${password}</Password>`}`))

  t.match(await login(1, alicePassword), { result: 'PASS', error: undefined }, 'right code, right password')
  const wrong = await login(2, 'not-her-password')
  t.match(wrong, { result: 'FAIL', error: undefined }, 'right code, wrong password: a plain FAIL, as a wrong code')
  t.equal((await userNamed(services, 'alice'))?.failed_logins, 1, 'counted towards the lockout')
  t.match(await login(2, alicePassword), { result: 'FAIL' }, 'and the string is burnt')
  t.match(await login(3), { result: 'FAIL', error: undefined }, 'no password at all is a wrong one')
  t.match(await login(4, ''), { result: 'FAIL', error: undefined }, 'nor is an empty one an anonymous bind')
  t.equal((await userNamed(services, 'alice'))?.failed_logins, 4)
  t.match(await login(5, alicePassword), { result: 'PASS' }, 'the right pair still passes')
  t.equal((await userNamed(services, 'alice'))?.failed_logins, 0, 'and resets the count')
  const unknown = await reply(app, agentXml('login', 'nobody', `<OTC>${otc(6)}</OTC><Password>${alicePassword}</Password>`))
  t.match(unknown, { result: 'FAIL', error: undefined }, 'an unknown user: the same plain FAIL')
  t.ok(built.logs.some((r) => r.reason === 'wrong password'), 'the log says why, without the password')
  for (const secret of [alicePassword, 'not-her-password']) {
    t.notOk(lines.some((line) => line.includes(secret)), `no log line contains "${secret}"`)
  }
})

t.test('password checking binds as the user only for a right code: never for a wrong or malformed code, a locked or an unknown user', { skip: slapdSkip }, async (t) => {
  const built = await setup(t, { checkPassword: true, logOperations: true })
  const { app, services, slapd } = built
  await syncRepository(services, 'corp', { trigger: 'command' })
  await setPin(services, 'alice', '2468')
  const { strings } = await provisionThroughQueue(built, 'alice')
  const aliceDn = (await userNamed(services, 'alice'))?.directory_dn ?? ''
  const aliceBinds = () => slapd.binds().filter((dn) => dn.toLowerCase() === aliceDn.toLowerCase()).length
  const login = (user: string, otc: string, password: string) => reply(app, agentXml('login', user, `<OTC>${otc}</OTC><Password>${password}</Password>`))
  const right = (index: number) => deriveOtc(strings[index] ?? '', '2468', index, 'modern')
  const wrong = (index: number) => `${right(index).slice(0, 3)}${(Number(right(index)[3]) + 1) % 10}${right(index).slice(4)}`
  for (let n = 1; n <= 3; n++) t.match(await login('alice', wrong(n), `guess${n}`), { result: 'FAIL', error: undefined }, `wrong code ${n}`)
  t.match(await login('alice', '12', 'guess4'), { error: 'AGENT_ERROR_BAD_OTC' }, 'a code that cannot be one')
  t.equal(aliceBinds(), 0, 'no bind for a code that is not right')
  t.equal((await userNamed(services, 'alice'))?.locked_at, null)
  t.match(await login('nobody', right(10), alicePassword), { result: 'FAIL', error: undefined }, 'an unknown user')
  t.equal(aliceBinds(), 0, 'no bind for an unknown user')
  // the fifth counted failure, so alice is locked (max-login-tries 5): a right code, a wrong password
  t.match(await login('alice', right(11), 'guess5'), { error: 'AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED' })
  t.equal(aliceBinds(), 1, 'one bind: the code was right')
  for (const index of [12, 13, 14]) t.match(await login('alice', right(index), alicePassword), { error: 'AGENT_ERROR_USER_LOCKED' }, 'locked')
  t.equal(aliceBinds(), 1, 'no bind while locked, not even with the right code and password')
})

t.test('a directory that cannot be reached fails the login without burning or counting', { skip: slapdSkip }, async (t) => {
  const built = await setup(t, { checkPassword: true })
  const { app, services, slapd } = built
  await syncRepository(services, 'corp', { trigger: 'command' })
  await setPin(services, 'alice', '2468')
  const { strings } = await provisionThroughQueue(built, 'alice')
  const xml = agentXml('login', 'alice', `<OTC>${deriveOtc(strings[1] ?? '', '2468', 1, 'modern')}</OTC><Password>${alicePassword}</Password>`)
  await slapd.stop()
  t.match(await reply(app, xml), { result: 'FAIL', error: 'AGENT_ERROR_GENERAL' })
  t.equal((await userNamed(services, 'alice'))?.failed_logins, 0, 'not counted')
  await slapd.start()
  t.match(await reply(app, xml), { result: 'PASS' }, 'the same code works once the directory is back')
})

t.test('an agent without the flag ignores Password, as before', { skip: slapdSkip }, async (t) => {
  const built = await setup(t, { checkPassword: false })
  await syncRepository(built.services, 'corp', { trigger: 'command' })
  await setPin(built.services, 'alice', '2468')
  const { strings } = await provisionThroughQueue(built, 'alice')
  const login = await reply(built.app, agentXml('login', 'alice', `<OTC>${deriveOtc(strings[1] ?? '', '2468', 1, 'modern')}</OTC><Password>whatever</Password>`))
  t.equal(login.result, 'PASS')
})
