// A throwaway PostgreSQL cluster in a temporary folder, for the test run (test/run.mjs) and for
// the tests that stop and start a server of their own. Plain JavaScript: the runner imports it
// before anything is compiled. PostgreSQL refuses to run as root, so as root the server
// programs run as the `postgres` user.
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Where initdb and pg_ctl are: `AGENTXML_PG_BIN`, Debian's newest /usr/lib/postgresql/N/bin, or the PATH. */
export function findPgBin() {
  const given = process.env.AGENTXML_PG_BIN
  if (given) return existsSync(join(given, 'initdb')) ? given : undefined
  const debian = '/usr/lib/postgresql'
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    for (const version of versions) if (existsSync(join(debian, version, 'bin', 'initdb'))) return join(debian, version, 'bin')
  }
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim()
  return found ? join(found, '..') : undefined
}

const asRoot = process.getuid?.() === 0

/** Run a PostgreSQL program, as the `postgres` user when we are root. */
function run(bin, program, args, options = {}) {
  const command = join(bin, program)
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options })
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/**
 * initdb, then start. `durable: false` (the test suite) turns fsync off, which is safe for a
 * cluster that lives as long as one test run; a benchmark keeps PostgreSQL's defaults.
 */
export async function startCluster({ durable = false } = {}) {
  const bin = findPgBin()
  if (!bin) throw new Error('PostgreSQL server programs not found (apt-get install postgresql, or set AGENTXML_PG_BIN)')
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-pg-'))
  chmodSync(dir, 0o777) // the postgres user writes here when we are root
  const data = join(dir, 'data')
  const port = await freePort()
  run(bin, 'initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'])
  const settings = [
    `-c port=${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c max_connections=300',
    ...(durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
  ].join(' ')
  const cluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    data,
    start: () => void run(bin, 'pg_ctl', ['-D', data, '-o', settings, '-l', join(dir, 'log'), '-w', 'start']),
    /** `fast` ends sessions cleanly; `immediate` is a crash of the server. */
    stop: (mode = 'fast') => void run(bin, 'pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']),
    remove() {
      try {
        cluster.stop('immediate')
      } catch {}
      rmSync(dir, { recursive: true, force: true })
    },
  }
  cluster.start()
  return cluster
}
