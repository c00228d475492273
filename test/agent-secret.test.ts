import t from 'tap'
import { addAgent } from '../src/domain/agents.js'
import { createAgent } from '../src/domain/agent-admin.js'
import { build, element, post, sasRequest } from './helpers/build.js'

// request values are trimmed (the parser's trimValues), so a secret is stored trimmed too:
// `agent add --secret '  s  '` works with what the agent sends, with or without the spaces
t.test('an agent secret with surrounding white space is stored trimmed, and matches', async (t) => {
  const { app, services } = await build(t)
  await addAgent(services, { name: 'corp', secret: '  corp-secret-1 \t' })
  const ask = async (secret: string) =>
    element((await post(app, sasRequest(`<Secret>${secret}</Secret><Action>reprovision</Action><Username>nobody</Username>`))).body, 'Error')
  t.equal(await ask('corp-secret-1'), 'AGENT_ERROR_NO_USER_FOUND', 'the agent is let in')
  t.equal(await ask('  corp-secret-1 '), 'AGENT_ERROR_NO_USER_FOUND', 'sent with the spaces, as typed')
  t.equal(await ask('corp-secret-'), 'AGENT_ERROR_AGENT_ACCESS')
  const secret = await createAgent(services, { name: 'portal', secret: ' portal-secret-1 ', networks: [], admin: false })
  t.equal(secret, 'portal-secret-1', 'the console shows the secret as stored')
  t.equal(await ask('portal-secret-1'), 'AGENT_ERROR_NO_USER_FOUND')
  await t.rejects(addAgent(services, { name: 'short', secret: '   short   ' }), /agent secret must be 8 to 256 characters/, 'the length is of the trimmed secret')
})
