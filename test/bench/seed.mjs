// The bench's workload: users, single-use provision codes and provisioned devices, made with
// the server's own domain code on the database the server will then open.
import { loadConfig } from '../../dist/config.js'
import { createProvisionCode } from '../../dist/domain/provision-code.js'
import { provisionDevice } from '../../dist/domain/provisioning.js'
import { addUser } from '../../dist/domain/users.js'
import { createLogger } from '../../dist/logging/logger.js'
import { openServices } from '../../dist/runtime.js'

const provisions = Number(process.env.BENCH_PROVISIONS ?? 20000)
const devices = 200

const sas = (body) => `<SASRequest><Version>3.6</Version>${body}</SASRequest>`

export async function seed(db) {
  const config = loadConfig({ db }, process.env)
  const services = await openServices(config, createLogger({ format: 'json', level: 'silent' }))
  const provision = []
  for (let i = 0; i < provisions; i++) {
    const user = `bench-p-${i}`
    await addUser(services, { name: user })
    const { code } = await createProvisionCode(services, user, { deliver: false })
    provision.push(sas(`<Action>provision</Action><Username>${user}</Username><ProvisionCode>${code}</ProvisionCode>`))
  }
  const ids = []
  for (let i = 0; i < devices; i++) {
    const user = `bench-d-${i}`
    await addUser(services, { name: user, pin: '2468' })
    const { code } = await createProvisionCode(services, user, { deliver: false })
    ids.push(await provisionDevice(services, { user, code, deviceOs: 'bench', pushId: undefined, userAgent: undefined }))
  }
  await services.db.destroy()
  return {
    ping: { path: '/proxy/AgentXML', bodies: [sas('<Action>ping</Action>')] },
    provision: { path: '/proxy/AgentXML', bodies: provision, unique: true },
    SecurityStrings: { path: '/proxy/AgentXML', bodies: ids.map((id) => sas(`<Action>SecurityStrings</Action><Id>${id}</Id>`)) },
  }
}
