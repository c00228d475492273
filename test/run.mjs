// `npm test`: the whole suite on SQLite, then again on PostgreSQL (a throwaway cluster started
// here when PostgreSQL's server programs are on the machine). Arguments go to tap, e.g.
// `npm test -- test/login.test.ts`; AGENTXML_TEST_ENGINES=sqlite (or postgres) runs one pass.
// Without PostgreSQL the second pass is skipped with one line, unless AGENTXML_REQUIRE_POSTGRES=1
// (CI), which makes that a failure.
import { spawnSync } from 'node:child_process'
import { findPgBin, startCluster } from './helpers/pg-cluster.mjs'

const engines = (process.env.AGENTXML_TEST_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim())
const args = process.argv.slice(2)

/**
 * Files the PostgreSQL pass leaves out, because they would only run again what the first pass
 * ran: they use no database at all, or SQLite files of their own (the SQLite-only commands,
 * backup and its kin, and the reference client against a file-backed server). Every other file
 * runs on both engines; a test inside one that can run on one engine only says why in its skip.
 */
const onceOnly = [
  // no database
  'test/catalogue.test.ts',
  'test/docs-links.test.ts',
  'test/dockerfile.test.ts',
  'test/node-lines.test.ts',
  'test/provision-message.test.ts',
  'test/repository-plan.test.ts',
  'test/wire-schema.test.ts',
  'test/wire-parse.test.ts',
  'test/user-names.test.ts',
  'test/email-address.test.ts',
  'test/radius-packet.test.ts',
  'test/npx-checkout.test.ts',
  // the command's parsing and messages (its database cases use a SQLite file of their own)
  'test/cli-errors.test.ts',
  // SQLite files of their own
  'test/admin-browser.test.ts',
  'test/admin-cli.test.ts',
  'test/log-cli.test.ts',
  'test/mobile-client.test.ts',
  'test/name-keys.test.ts',
  'test/write-batch.test.ts',
  'test/sqlite-checkpoints.test.ts',
  'test/e2e/backup.test.ts',
  'test/launch-flags.test.ts',
]

const tap = (engine, env = {}) => {
  console.log(`\n# agentxml tests on ${engine}\n`)
  const exclude = engine === 'postgres' && args.length === 0 ? onceOnly.flatMap((file) => ['--exclude', file]) : []
  if (exclude.length > 0) console.log(`# left out of this pass, run once in the SQLite pass: ${onceOnly.join(', ')}\n`)
  const result = spawnSync('npx', ['tap', ...exclude, ...args], { stdio: 'inherit', env: { ...process.env, AGENTXML_TEST_ENGINE: engine, ...env } })
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
