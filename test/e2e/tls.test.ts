// `--tls-cert/--tls-key`: the server speaks HTTPS with the given certificate.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { postXml } from './helpers/http.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { startServer } from './helpers/server.js'
import { outcome, pingXml } from './helpers/xml.js'

const run = promisify(execFile)

async function hasOpenssl(): Promise<boolean> {
  return run('openssl', ['version']).then(
    () => true,
    () => false,
  )
}

// skipped only where openssl is missing
const skip = (await hasOpenssl()) ? false : 'openssl is not installed'

t.test('serves HTTPS with a self-signed certificate', { skip }, async (t) => {
  const dir = await tempDir(t)
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')]
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert,
  ])
  const server = await startServer(t, { db: await databaseIn(t, dir), args: ['--tls-cert', cert, '--tls-key', key] })
  t.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/, 'it says it listens on https')

  const reply = await postXml(server.url, pingXml(), '/proxy/AgentXML', { ca: await readFile(cert) })
  t.same(outcome(reply.body), { result: 'PASS', error: undefined }, 'ping over TLS, the certificate verified')

  const untrusted = await postXml(server.url, pingXml()).catch((err: Error & { code?: string }) => err)
  t.ok(untrusted instanceof Error, 'a client that does not trust the certificate is refused')

  const plain = await postXml(server.url.replace('https:', 'http:'), pingXml()).catch((err: Error) => err)
  t.ok(plain instanceof Error || outcome(plain.body).result !== 'PASS', 'plain HTTP gets no AgentXML answer')
})
