import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { deriveOtc } from '../../src/domain/otc.js'
import { notFoundBody } from '../../src/routes/replies.js'
import { mustRun, runCli } from './helpers/cli.js'
import { postXml } from './helpers/http.js'
import { databaseIn, tempDir } from './helpers/paths.js'
import { startServer } from './helpers/server.js'
import { element, pingXml, provisionXml, sasRequest, stringsXml } from './helpers/xml.js'

// GET /metrics, the Prometheus text format, as a scraper reads it from the real server: on the
// listener of --metrics [HOST:]PORT only, never on the public port.

t.setTimeout(300_000)

/** The metrics listener's URL, from the line the server logs when it starts it. */
async function metricsUrl(server: Awaited<ReturnType<typeof startServer>>): Promise<string> {
  const line = await server.waitFor((text) => text.includes('metrics on http'))
  return /metrics on (http\S+?)"/.exec(line)?.[1] ?? ''
}

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `))
  return found === undefined ? undefined : Number(found.slice(line.length + 1))
}

t.test('requests by action and result, latency, lockouts, the queue and the process, behind a bearer token', async (t) => {
  const dir = await tempDir(t)
  const db = await databaseIn(t, dir)
  const tokenFile = join(dir, 'metrics.token')
  await writeFile(tokenFile, 'scrape-token-0123456789abcdef\n', { mode: 0o600 })
  await mustRun(['agent', 'add', 'vpn', '--secret', 'vpn-secret-123'], { db })
  await mustRun(['user', 'add', 'alice', '--pin', '2468', '--email', 'alice@example.com', '--transport', 'outbox'], { db })
  await mustRun(['policy', 'set', 'max-login-tries', '2'], { db })
  const code = (await mustRun(['reprovision', 'alice', '--print-code'], { db })).stdoutLines.at(-1) ?? ''
  await mustRun(['user', 'add', 'bob', '--pin', '2468', '--email', 'bob@example.com', '--transport', 'outbox'], { db })
  await mustRun(['reprovision', 'bob'], { db }) // a message in the queue
  const server = await startServer(t, { db, args: ['--metrics', '127.0.0.1:0'], env: { AGENTXML_METRICS_TOKEN_FILE: tokenFile } })
  const url = await metricsUrl(server)
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
  for (let i = 0; i < 3; i++) await postXml(server.url, pingXml())
  await postXml(server.url, provisionXml('bob', 'WRONGCODE2'), '/proxy/AgentXML')
  const id = element((await postXml(server.url, provisionXml('alice', code), '/proxy/AgentXML')).body, 'Id') ?? ''
  const strings = (element((await postXml(server.url, stringsXml(id), '/proxy/AgentXML')).body, 'SecurityStrings') ?? '').split(';')
  // the right code of an index with its first digit changed: surely wrong
  const wrong = (index: number) => {
    const right = deriveOtc(strings[index] ?? '', '2468', index)
    return `${(Number(right[0]) + 1) % 10}${right.slice(1)}`
  }
  const login = (otc: string) => postXml(server.url, sasRequest(`<Secret>vpn-secret-123</Secret><Action>login</Action><Username>alice</Username><OTC>${otc}</OTC>`))
  await login(wrong(1))
  await login(wrong(2))
  await postXml(server.url, sasRequest('<Action>frobnicate</Action>'))

  t.equal((await fetch(`${server.url}/metrics`)).status, 404, 'not on the public port')
  t.equal((await fetch(url)).status, 401, 'not without the token')
  const scraped = await fetch(url, { headers: { authorization: 'Bearer scrape-token-0123456789abcdef' } })
  t.equal(scraped.status, 200)
  t.match(scraped.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  const text = await scraped.text()
  t.equal(sample(text, 'agentxml_requests_total{action="ping",result="PASS",error=""}'), 3, 'three pings')
  t.equal(sample(text, 'agentxml_requests_total{action="provision",result="FAIL",error="PROVISION_FAILURE"}'), 1)
  t.equal(sample(text, 'agentxml_requests_total{action="securitystrings",result="PASS",error=""}'), 1)
  t.equal(sample(text, 'agentxml_requests_total{action="login",result="FAIL",error="AGENT_ERROR_USER_LOGIN_TRIES_EXCEEDED"}'), 1, 'the failure that locked')
  t.equal(sample(text, 'agentxml_requests_total{action="unknown",result="FAIL",error="AGENT_ERROR_GENERAL"}'), 1, 'an unknown action, counted without its name')
  t.equal(sample(text, 'agentxml_lockouts_total'), 1)
  t.equal(sample(text, 'agentxml_request_duration_seconds_count{action="ping"}'), 3, 'a latency histogram per action')
  t.ok((sample(text, 'agentxml_request_duration_seconds_bucket{le="+Inf",action="ping"}') ?? 0) >= 3)
  t.match(text, /^agentxml_process_cpu_seconds_total \d/m, 'the process')
  t.match(text, /^agentxml_queue_messages\{status="queued"\} \d+$/m, 'the queue, read from the database')
  t.notMatch(text, /status="sent"/, 'messages sent are history, not queue depth')
  t.notMatch(text, /alice|vpn-secret|WRONGCODE/, 'no user, secret or code in a label')
})

t.test('no metrics unless --metrics is given; --metrics on, which served them on the public port, is refused', async (t) => {
  const db = await databaseIn(t, await tempDir(t))
  const server = await startServer(t, { db })
  const scraped = await fetch(`${server.url}/metrics`)
  t.equal(scraped.status, 404)
  t.equal(await scraped.text(), notFoundBody(), 'as any unknown path')
  await server.stop()
  t.notOk(server.output().includes('metrics on'), 'no metrics listener')
  const refused = await runCli(['serve', '--port', '0', '--metrics', 'on'], { db })
  t.not(refused.status, 0)
  t.match(refused.stderr, /--metrics on is gone: metrics have a listener of their own, --metrics \[HOST:\]PORT/)
})
