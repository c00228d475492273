// `node test/bench/hostile.mjs`: what hostile bodies on the public /proxy context cost another
// client. A victim sends pings on one connection, alone and then while `BENCH_HOSTILE_CONNECTIONS`
// (8) connections post bodies made of thousands of small elements; the victim's latency is the
// figure. BENCH_ROOT points at another build (an older checkout) to compare; BENCH_SERVER_ARGS
// adds flags to `serve` (e.g. "--proxy-body-limit 65536 --max-elements 100000").
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'

const root = process.env.BENCH_ROOT ?? new URL('../../', import.meta.url).pathname
const seconds = Number(process.env.BENCH_SECONDS ?? 8)
const hostileConnections = Number(process.env.BENCH_HOSTILE_CONNECTIONS ?? 8)
const serverArgs = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean)

const ping = '<SASRequest><Version>3.6</Version><Action>ping</Action></SASRequest>'
/** A ping padded with `<a>1</a>` elements (legal: unknown elements are ignored) to about `bytes`. */
const padded = (bytes) => {
  const head = '<SASRequest><Version>3.6</Version><Action>ping</Action>'
  const tail = '</SASRequest>'
  return head + '<a>1</a>'.repeat(Math.floor((bytes - head.length - tail.length) / 8)) + tail
}

async function start(dir) {
  const logFile = join(dir, 'server.log')
  const out = openSync(logFile, 'w')
  const args = [join(root, 'dist/cli/index.js'), 'serve', '--port', '0', '--db', join(dir, 'agentxml.db'), ...serverArgs]
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', out, 'inherit'] })
  closeSync(out)
  process.on('exit', () => child.kill('SIGKILL'))
  for (let waited = 0; waited < 30_000; waited += 50) {
    const match = /agentxml listening on (http[^"\s]+)/.exec(readFileSync(logFile, 'utf8'))
    if (match) return { child, url: match[1] }
    if (child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`the server did not start; see ${logFile}`)
}

const load = (url, body, connections) =>
  autocannon({ url, connections, duration: seconds, requests: [{ method: 'POST', path: '/proxy/AgentXML', headers: { 'content-type': 'text/xml' }, body }] })

const row = (name, result) => {
  const { latency, requests } = result
  const statuses = Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => `${code}×${count}`).join(' ')
  return `| ${name} | ${requests.average.toFixed(0)} | ${latency.p50} | ${latency.p99} | ${latency.max} | ${statuses} |`
}

const dir = mkdtempSync(join(tmpdir(), 'agentxml-hostile-'))
try {
  const { child, url } = await start(dir)
  await load(url, ping, 1) // warm-up
  const lines = ['| load | req/s | p50 ms | p99 ms | max ms | statuses |', '|---|---|---|---|---|---|']
  lines.push(row('victim ping, alone', await load(url, ping, 1)))
  for (const bytes of [64 * 1024, 4 * 1024]) {
    const [victim, hostile] = await Promise.all([load(url, ping, 1), load(url, padded(bytes), hostileConnections)])
    lines.push(row(`victim ping, beside ${hostileConnections} × ${bytes / 1024} KiB bodies`, victim))
    lines.push(row(`  the ${bytes / 1024} KiB bodies themselves`, hostile))
  }
  process.stdout.write(`${lines.join('\n')}\n`)
  child.kill('SIGTERM')
  await once(child, 'exit')
} finally {
  rmSync(dir, { recursive: true, force: true })
}
