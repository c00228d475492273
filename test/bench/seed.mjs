// The bench's workload: users, single-use provision codes and provisioned devices, made with
// the server's own domain code on the database the server will then open.
import { loadConfig } from '../../dist/config.js'
import { addAgent } from '../../dist/domain/agents.js'
import { addNas } from '../../dist/domain/nas-clients.js'
import { deriveOtc } from '../../dist/domain/otc.js'
import { downloadSecurityStrings } from '../../dist/domain/security-strings.js'
import { createProvisionCode } from '../../dist/domain/provision-code.js'
import { provisionDevice } from '../../dist/domain/provisioning.js'
import { setPolicy } from '../../dist/domain/policy.js'
import { addUser } from '../../dist/domain/users.js'
import { createLogger } from '../../dist/logging/logger.js'
import { openServices } from '../../dist/runtime.js'

const defaultProvisions = Number(process.env.BENCH_PROVISIONS ?? 50000)
const devices = 200
// half of them log in through AgentXML, the other half through RADIUS
const loginUsers = Number(process.env.BENCH_LOGIN_USERS ?? 1000)
const secret = 'bench-agent-secret'
export const nasSecret = 'bench-nas-shared-secret'
const pin = '2468'

const sas = (body) => `<SASRequest><Version>3.6</Version>${body}</SASRequest>`

/** `env`: the settings the servers get too (for PostgreSQL, the key file). */
export async function seed(db, env = {}, { provisions = defaultProvisions } = {}) {
  const config = loadConfig({ db }, { ...process.env, ...env })
  const services = await openServices(config, createLogger({ format: 'json', level: 'silent' }), {}, { create: true })
  // one load generator on one address: the per-address limit on provision attempts would stop it
  await setPolicy(services.db, 'provision-attempts-per-address', '0')
  const provision = []
  for (let i = 0; i < provisions; i++) {
    const user = `bench-p-${i}`
    await addUser(services, { name: user })
    const { code } = await createProvisionCode(services, user, { deliver: false })
    provision.push(sas(`<Action>provision</Action><Username>${user}</Username><ProvisionCode>${code}</ProvisionCode>`))
  }
  const device = async (user) => {
    await addUser(services, { name: user, pin })
    const { code } = await createProvisionCode(services, user, { deliver: false })
    return provisionDevice(services, { user, code, deviceOs: 'bench', pushId: undefined, userAgent: undefined, address: '127.0.0.1' })
  }
  const ids = []
  for (let i = 0; i < devices; i++) ids.push(await device(`bench-d-${i}`))
  // login: every request a fresh valid code, as the mobile client derives it (99 a batch); the
  // users of even numbers log in through AgentXML, the others through RADIUS PAP: each code once
  await addAgent(services, { name: 'bench', secret, networks: ['127.0.0.1/32'] })
  await addNas(services, { name: 'bench', networks: ['127.0.0.1/32'], secret: nasSecret, messageAuthenticator: 'required' })
  const batches = []
  for (let i = 0; i < loginUsers; i++) {
    const user = `bench-l-${i}`
    batches.push({ user, strings: await downloadSecurityStrings(services, await device(user)) })
  }
  const login = []
  const radius = []
  for (let index = 1; index <= 99; index++) {
    for (const [i, { user, strings }] of batches.entries()) {
      const otc = deriveOtc(strings[index], pin, index)
      if (i % 2 === 0) login.push(sas(`<Secret>${secret}</Secret><Action>login</Action><Username>${user}</Username><OTC>${otc}</OTC>`))
      else radius.push({ user, otc })
    }
  }
  await services.store.close()
  return {
    ping: { path: '/proxy/AgentXML', bodies: [sas('<Action>ping</Action>')] },
    provision: { path: '/proxy/AgentXML', bodies: provision, unique: true },
    SecurityStrings: { path: '/proxy/AgentXML', bodies: ids.map((id) => sas(`<Action>SecurityStrings</Action><Id>${id}</Id>`)) },
    login: { path: '/pinsafe/AgentXML', bodies: login, unique: true },
    radius: { codes: radius },
  }
}
