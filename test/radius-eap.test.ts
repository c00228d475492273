// EAP (802.1X Wi-Fi, VPNs doing EAP over RADIUS) through wpa_supplicant's eapol_test, an
// independent client: agentxml does no EAP method, and says so at once with an Access-Reject and
// EAP-Failure rather than leaving the NAS to retry a silent server.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { addNas } from '../src/domain/nas-clients.js'
import { Attr, Code, encodeRequest } from '../src/radius/index.js'
import { startRadius } from '../src/radius/server.js'
import { build } from './helpers/build.js'
import { tempDir } from './helpers/delivery.js'
import { ask, eapolSkip, eapolTest } from './helpers/radius.js'
import { seedUser } from './helpers/seed.js'

const secret = 'nas-shared-secret-0123'

t.test('eapol_test: an EAP request gets an Access-Reject with EAP-Failure at once, verified, and no login is tried', { skip: eapolSkip }, async (t) => {
  const built = await build(t)
  await seedUser(built.services, { name: 'alice' })
  await addNas(built.services, { name: 'wifi', networks: ['127.0.0.1/32'], secret })
  const { auth } = await startRadius(built.services, { host: '127.0.0.1', port: 0, rejectDelayMs: 0 }).then((server) => {
    t.teardown(() => server.close())
    return server
  })
  const config = join(tempDir(t), 'eapol.conf')
  writeFileSync(config, 'network={\n  key_mgmt=IEEE8021X\n  eap=MD5\n  identity="alice"\n  password="123456"\n  eapol_flags=0\n}\n')
  const started = performance.now()
  const run = await eapolTest(config, auth.port, secret)
  t.ok(performance.now() - started < 4000, 'answered, not timed out')
  t.notMatch(run.out, /timed out/i, 'eapol_test did not give up waiting')
  t.match(run.out, /code=3 \(Access-Reject\)/, 'Access-Reject')
  t.notMatch(run.out, /did not have correct (Authenticator|Message-Authenticator)/, "eapol_test verified the reply's authenticators")
  t.match(run.out, /EAP-Failure|EAP failure|CTRL-EVENT-EAP-FAILURE/, 'the supplicant saw EAP-Failure')
  t.match(run.out, /FAILURE/, 'and reports the authentication failed')
  t.ok(built.logs.some((r) => r.msg === 'RADIUS: EAP for user alice from NAS wifi rejected: agentxml answers PAP, CHAP, MS-CHAP and MS-CHAP v2, not EAP'), 'a line says why')
  const rows = await built.services.db.selectFrom('audit_log').select('event').where('event', 'like', 'login%').execute()
  t.same(rows, [], 'no login was tried: no audit row of one')
})

t.test('an EAP request without Message-Authenticator is dropped (RFC 3579 §3.2), even from a NAS that does not require one', async (t) => {
  const built = await build(t)
  await addNas(built.services, { name: 'old-wifi', networks: ['127.0.0.1/32'], secret, messageAuthenticator: 'off' })
  const server = await startRadius(built.services, { host: '127.0.0.1', port: 0, rejectDelayMs: 0 })
  t.teardown(() => server.close())
  const identity = Buffer.concat([Buffer.from([2, 9, 0, 10, 1]), Buffer.from('alice')])
  const request = (messageAuthenticator: boolean) =>
    encodeRequest({ code: Code.AccessRequest, identifier: messageAuthenticator ? 2 : 1, secret, messageAuthenticator, attributes: [{ type: Attr.UserName, value: Buffer.from('alice') }, { type: Attr.EapMessage, value: identity }] })
  t.equal(await ask(server.auth.port, request(false), 500), undefined, 'no reply')
  const reply = await ask(server.auth.port, request(true), 2000)
  t.equal(reply?.code, Code.AccessReject, 'with one: Access-Reject')
  t.same(reply?.attributes.find((a) => a.type === Attr.EapMessage)?.value, Buffer.from([4, 9, 0, 4]), "EAP-Failure with the peer's identifier")
  t.equal(reply?.attributes[0]?.type, Attr.MessageAuthenticator, 'Message-Authenticator first')
})
