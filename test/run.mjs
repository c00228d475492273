// `npm test`: the whole suite on SQLite, then again on PostgreSQL (a throwaway cluster started
// here when PostgreSQL's server programs are on the machine). Arguments go to tap, e.g.
// `npm test -- test/login.test.ts`; AGENTXML_TEST_ENGINES=sqlite (or postgres) runs one pass.
// Without PostgreSQL the second pass is skipped with one line, unless AGENTXML_REQUIRE_POSTGRES=1
// (CI), which makes that a failure.
import { spawnSync } from 'node:child_process'
import { findPgBin, startCluster } from './helpers/pg-cluster.mjs'

const engines = (process.env.AGENTXML_TEST_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim())
const args = process.argv.slice(2)
const tap = (engine, env = {}) => {
  console.log(`\n# agentxml tests on ${engine}\n`)
  const result = spawnSync('npx', ['tap', ...args], { stdio: 'inherit', env: { ...process.env, AGENTXML_TEST_ENGINE: engine, ...env } })
  return result.status ?? 1
}

let status = 0
if (engines.includes('sqlite')) status ||= tap('sqlite')

if (engines.includes('postgres')) {
  let url = process.env.AGENTXML_TEST_PG_URL
  let cluster
  if (!url && findPgBin()) {
    cluster = await startCluster()
    url = cluster.url
  }
  if (url) {
    try {
      status = tap('postgres', { AGENTXML_TEST_PG_URL: url }) || status
    } finally {
      cluster?.remove()
    }
  } else if (process.env.AGENTXML_REQUIRE_POSTGRES === '1') {
    console.error('PostgreSQL tests: no PostgreSQL server programs found and AGENTXML_REQUIRE_POSTGRES=1')
    status ||= 1
  } else {
    console.log('# PostgreSQL tests skipped: install PostgreSQL (apt-get install postgresql) or set AGENTXML_TEST_PG_URL=postgres://… to run them')
  }
}
process.exitCode = status
