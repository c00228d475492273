import type { FastifyInstance } from 'fastify'
import { deriveOtc, type OtcForm } from '../../src/domain/otc.js'
import type { Services } from '../../src/domain/services.js'
import { element, post, sasRequest } from './build.js'
import { agentSecret, seedCode, seedUser } from './seed.js'

export const loginXml = (user: string, otc: string | undefined, requestId = '42') =>
  sasRequest(
    `<Secret>${agentSecret}</Secret><RequestID>${requestId}</RequestID><Action>login</Action><Username>${user}</Username>` +
      (otc === undefined ? '' : `<OTC>${otc}</OTC>`),
  )

export interface Login {
  readonly body: string
  readonly result: string | undefined
  readonly error: string | undefined
}

export async function login(app: FastifyInstance, user: string, otc: string | undefined): Promise<Login> {
  const reply = await post(app, loginXml(user, otc))
  return { body: reply.body, result: element(reply.body, 'Result'), error: element(reply.body, 'Error') }
}

/** Provision a device the way a mobile client does and download a batch; its Id and strings. */
export async function provisionDevice(app: FastifyInstance, services: Services, user: string): Promise<{ id: string; strings: string[] }> {
  await seedCode(services, user, 'K7QF2M9XWD')
  const provision = sasRequest(`<Action>provision</Action><Username>${user}</Username><ProvisionCode>K7QF2M9XWD</ProvisionCode>`)
  const id = element((await post(app, provision, '/proxy/AgentXML')).body, 'Id') ?? ''
  return { id, strings: await downloadStrings(app, id) }
}

export async function downloadStrings(app: FastifyInstance, id: string): Promise<string[]> {
  const reply = await post(app, sasRequest(`<Action>SecurityStrings</Action><Id>${id}</Id>`), '/proxy/AgentXML')
  return (element(reply.body, 'SecurityStrings') ?? '').split(';')
}

/** A user with PIN and a provisioned device holding a fresh batch; `otc(n)` is the code for index n. */
export async function readyUser(app: FastifyInstance, services: Services, user = 'alice', pin = '2468') {
  await seedUser(services, { name: user, pin })
  const device = await provisionDevice(app, services, user)
  const otc = (index: number, form: OtcForm = 'modern') => deriveOtc(device.strings[index] ?? '', pin, index, form)
  return { ...device, pin, otc }
}
