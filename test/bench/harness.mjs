// What the bench's runs share: server processes logging to files, and autocannon.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import autocannon from 'autocannon'

export const root = new URL('../../', import.meta.url).pathname
export const duration = Number(process.env.BENCH_SECONDS ?? 10)
export const connections = Number(process.env.BENCH_CONNECTIONS ?? 10)
export const rounds = Number(process.env.BENCH_ROUNDS ?? 2)

/** agentxml's server, started as `npm start` and the Docker image start it (src/cli/index.ts says why the flag). */
export const serveArgs = ['--max-semi-space-size=8', 'dist/cli/index.js', 'serve']

/**
 * Start a server process with its output going to a file in `dir` (as in production: a pipe
 * that the load generator had to drain would slow the server down), and wait for the line that
 * says where it listens.
 */
export async function start(dir, name, args, pattern, env = {}) {
  const logFile = join(dir, `${name}.log`)
  const out = openSync(logFile, 'w')
  // BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the servers (not allowed in NODE_OPTIONS)
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', out, 'inherit'] })
  closeSync(out)
  // never leave a server behind, whatever happens to this process
  process.on('exit', () => child.kill('SIGKILL'))
  for (let waited = 0; waited < 60_000; waited += 50) {
    const match = pattern.exec(readFileSync(logFile, 'utf8'))
    if (match) return { child, url: match[1] }
    if (child.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${args.join(' ')} did not start; see ${logFile}`)
}

export async function stop(child) {
  child.kill('SIGTERM')
  await once(child, 'exit')
}

/** POST `bodies` round-robin to `url` + `path`; every reply must say PASS to count. */
export function run(url, path, bodies, { amount, seconds = duration, connections: clients = connections } = {}) {
  let next = 0
  return autocannon({
    url,
    connections: clients,
    ...(amount ? { amount } : { duration: seconds }),
    // a run of `amount` requests ends at the next sample: with the default of one a second its
    // duration would be rounded up to whole seconds, and its rate understated by up to a second's worth
    sampleInt: 20,
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'text/xml' },
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
      },
    ],
    // a FAIL is an HTTP 200 too
    verifyBody: (body) => body.includes('<Result>PASS</Result>'),
  })
}

/** Requests per second over the whole run (autocannon's per-second average is skewed for short runs). */
export const rate = (result) => result.requests.total / result.duration
export const mean = (results, pick) => results.reduce((sum, r) => sum + pick(r), 0) / results.length
export const failures = (results) => results.reduce((sum, r) => sum + r.non2xx + r.errors + r.mismatches, 0)

/** `bodies` cut into `parts` consecutive slices (single-use bodies are each sent once). */
export const slices = (bodies, parts) =>
  Array.from({ length: parts }, (_, i) => bodies.slice(Math.floor((i * bodies.length) / parts), Math.floor(((i + 1) * bodies.length) / parts)))

/**
 * The warm-up bodies and the measured runs' slices of a workload. A single-use workload keeps
 * its first bodies (2 000, or a fifth of a small one) for the warm-up, each sent once; without
 * it the first measured run would also pay for compiling the server's code, a one-off of a new
 * process that no running server pays. Others warm up with `amount` requests of their own bodies.
 */
export function warmupAndSlices(bodies, unique, parts, amount = 2000) {
  if (!unique) return { warmup: bodies, amount, slices: Array(parts).fill(bodies) }
  const warm = Math.min(amount, Math.floor(bodies.length / 5))
  return { warmup: bodies.slice(0, warm), amount: warm, slices: slices(bodies.slice(warm), parts) }
}

const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100

/** CPU seconds (user and system) the process has used so far, from its own accounting in /proc. */
export function cpuSeconds(child) {
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8')
  // the fields after the command name, which is in parentheses and may hold spaces
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
}

/** `run`, and the CPU time per request the server process spent on it (µs). */
export async function measured(server, path, bodies, options) {
  const before = cpuSeconds(server.child)
  const result = await run(server.url, path, bodies, options)
  return { ...result, cpuPerRequest: ((cpuSeconds(server.child) - before) * 1e6) / result.requests.total }
}
