/// <reference path="./autocannon.d.ts" />
// `npm run bench:sync`: a real slapd holding 50 000 users (BENCH_DIRECTORY_USERS). Prints the time
// of the first sync, done by the server on start while agents log in, the login p99 during it, and
// the time of a re-sync with no change. Targets: 30 s, 20 ms, 10 s.
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { loadConfig } from '../../src/config.js'
import { entriesPerPage } from '../../src/directory/ldap.js'
import { addAgent } from '../../src/domain/agents.js'
import { syncRepository } from '../../src/domain/directory-sync.js'
import { deriveOtc } from '../../src/domain/otc.js'
import { createProvisionCode } from '../../src/domain/provision-code.js'
import { provisionDevice } from '../../src/domain/provisioning.js'
import { addRepository } from '../../src/domain/repositories.js'
import { downloadSecurityStrings } from '../../src/domain/security-strings.js'
import { setPolicy } from '../../src/domain/policy.js'
import { addUser } from '../../src/domain/users.js'
import { createLogger } from '../../src/logging/logger.js'
import { openServices } from '../../src/runtime.js'
import { groupDn, peopleDn, serviceDn, servicePassword, startSlapd } from '../helpers/slapd.js'

const root = new URL('../../', import.meta.url).pathname
const size = Number(process.env.BENCH_DIRECTORY_USERS ?? 50_000)
const loginUsers = 200
const secret = 'bench-agent-secret'
const pin = '2468'
const sas = (body: string) => `<SASRequest><Version>3.6</Version>${body}</SASRequest>`
const uid = (i: number) => `dir${String(i).padStart(6, '0')}`

/** 50 000 people, every tenth in the mobile group: an LDIF for slapadd. */
function directoryLdif(): string {
  const parts: string[] = []
  for (let i = 0; i < size; i++) {
    parts.push(`dn: uid=${uid(i)},${peopleDn}\nobjectClass: inetOrgPerson\nuid: ${uid(i)}\ncn: ${uid(i)}\nsn: ${uid(i)}\nmail: ${uid(i)}@example.com\nmobile: +44 7700 ${String(i).padStart(6, '0')}\n\n`)
  }
  const members = Array.from({ length: Math.ceil(size / 10) }, (_, i) => `member: uid=${uid(i * 10)},${peopleDn}`)
  parts.push(`dn: ${groupDn('mobile')}\nobjectClass: groupOfNames\ncn: mobile\n${members.join('\n')}\n\n`)
  return parts.join('')
}

/** Local users with devices, and one login body for each of their fresh codes. */
async function seed(db: string): Promise<string[]> {
  const services = await openServices(loadConfig({ db }, {}), createLogger({ format: 'json', level: 'silent' }), {}, { create: true })
  await setPolicy(services.db, 'provision-attempts-per-address', '0')
  await addAgent(services, { name: 'bench', secret, networks: ['127.0.0.1/32'] })
  const logins: string[] = []
  const batches = []
  for (let i = 0; i < loginUsers; i++) {
    const user = `bench-l-${i}`
    await addUser(services, { name: user, pin })
    const { code } = await createProvisionCode(services, user, { deliver: false })
    const id = await provisionDevice(services, { user, code, deviceOs: 'bench', pushId: undefined, userAgent: undefined, address: '127.0.0.1' })
    batches.push({ user, strings: await downloadSecurityStrings(services, id) })
  }
  for (let index = 1; index <= 99; index++) {
    for (const { user, strings } of batches) {
      logins.push(sas(`<Secret>${secret}</Secret><Action>login</Action><Username>${user}</Username><OTC>${deriveOtc(strings[index] ?? "", pin, index)}</OTC>`))
    }
  }
  await services.db.destroy()
  return logins
}

/** Added while the server runs: its schedule (a look every 30 s) starts the first sync. */
async function addDirectory(db: string, slapdUrl: string): Promise<void> {
  const services = await openServices(loadConfig({ db }, {}), createLogger({ format: 'json', level: 'silent' }), {}, { create: true })
  await setPolicy(services.db, 'provision-attempts-per-address', '0')
  await addRepository(services, {
    name: 'corp', preset: 'openldap', url: slapdUrl, bindDn: serviceDn, bindPassword: servicePassword, baseDn: peopleDn,
    mobileGroup: groupDn('mobile'), transport: 'outbox', intervalMinutes: 60, maxRemovalPercent: 20,
  })
  await services.db.destroy()
}

interface Record { time: number; event?: string; msg: string }
const records = (file: string): Record[] =>
  readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record)

const dir = mkdtempSync(join(tmpdir(), 'agentxml-sync-bench-'))
const db = join(dir, 'agentxml.db')
process.stdout.write(`loading ${size} entries into slapd...\n`)
const slapd = await startSlapd({ sizeLimit: 1000, bulkLdif: directoryLdif() })
let server: ReturnType<typeof spawn> | undefined
try {
  process.stdout.write('seeding agentxml...\n')
  const logins = await seed(db)
  const logFile = join(dir, 'server.log')
  const out = openSync(logFile, 'w')
  // BENCH_PROFILE_DIR: the server writes a CPU profile there (node --cpu-prof)
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []
  server = spawn(process.execPath, [...profile, 'dist/cli/index.js', 'serve', '--port', '0', '--db', db], { cwd: root, stdio: ['ignore', out, 'inherit'] })
  closeSync(out)
  process.on('exit', () => server?.kill('SIGKILL'))
  let url: string | undefined
  for (let waited = 0; !url && waited < 30_000; waited += 20) {
    url = /agentxml listening on (http[^"\s]+)/.exec(readFileSync(logFile, 'utf8'))?.[1]
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  if (!url) throw new Error(`the server did not start; see ${logFile}`)
  // logins at a steady 300 a second, each with a fresh code
  let next = 0
  const logging = (amount?: number) =>
    autocannon({
      url, connections: 4, overallRate: 300, amount: amount ?? logins.length - next,
      requests: [{ method: 'POST', path: '/pinsafe/AgentXML', headers: { 'content-type': 'text/xml' }, setupRequest: (r: object) => ({ ...r, body: logins[next++] }) }],
      verifyBody: (body: string) => body.includes('<Result>PASS</Result>'),
    })
  await logging(600) // warm-up
  const baseline = await logging(600)
  await addDirectory(db, slapd.url)
  for (let waited = 0; !records(logFile).some((r) => r.event === 'syncStarted'); waited += 20) {
    if (waited > 60_000) throw new Error('the schedule did not start the sync')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const load = logging()
  for (let waited = 0; !records(logFile).some((r) => r.event === 'syncFinished' || r.event === 'syncFailed'); waited += 50) {
    if (waited > 300_000) throw new Error('the first sync did not finish in 5 minutes')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  load.stop()
  const result = await load
  const log = records(logFile)
  const started = log.find((r) => r.event === 'syncStarted')
  const finished = log.find((r) => r.event === 'syncFinished')
  if (!started || !finished) throw new Error(`the first sync failed: ${log.find((r) => r.event === 'syncFailed')?.msg}`)
  server.kill('SIGTERM')
  await once(server, 'exit')
  server = undefined

  const services = await openServices(loadConfig({ db }, {}), createLogger({ format: 'json', level: 'silent' }), {}, { create: true })
  await setPolicy(services.db, 'provision-attempts-per-address', '0')
  const t0 = performance.now()
  const resync = await syncRepository(services, 'corp', { trigger: 'command' })
  const resyncMs = performance.now() - t0
  await services.db.destroy()

  const firstMs = finished.time - started.time
  const lines = [
    `directory: ${size} entries (slapd, paged ${entriesPerPage} a page, size limit 1000)`,
    `first sync (in the server, logins running): ${(firstMs / 1000).toFixed(1)} s   target < 30 s   ${finished.msg.replace(/^.*finished: /, '')}`,
    `login without a sync: p50 ${baseline.latency.p50} ms, p99 ${baseline.latency.p99} ms`,
    `login during the sync: ${result.requests.total} requests, ${result.non2xx + result.errors} errors, ${result.mismatches ?? 0} not PASS, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms   target p99 < 20 ms`,
    `re-sync with no change: ${(resyncMs / 1000).toFixed(1)} s   target < 10 s   (${resync.added} added, ${resync.updated} updated, ${resync.removed} removed)`,
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
} finally {
  if (server) server.kill('SIGKILL')
  await slapd.close()
  rmSync(dir, { recursive: true, force: true })
}
