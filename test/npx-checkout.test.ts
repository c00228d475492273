// `npx agentxml …` in the checkout, the first time: npm links the checkout into its npx cache and
// runs its `prepare` script. That must not rebuild: the build starts by removing dist/, and a
// server already running from it (or another command) would find its modules gone.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { cliEntry, projectRoot } from './e2e/helpers/paths.js'

t.test('the first npx agentxml in the checkout leaves dist/ as it is', async (t) => {
  // an npm cache of its own: npx has never seen this checkout
  const cache = mkdtempSync(join(tmpdir(), 'agentxml-npx-'))
  t.teardown(() => rmSync(cache, { recursive: true, force: true }))
  const before = statSync(cliEntry)
  const result = spawnSync('npx', ['--yes', 'agentxml', '--version'], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { ...process.env, npm_config_cache: cache, npm_config_offline: 'true', npm_config_update_notifier: 'false' },
  })
  t.equal(result.status, 0, result.stderr)
  t.match(result.stdout, /^agentxml \d+\.\d+\.\d+/, 'it printed the version')
  const after = statSync(cliEntry)
  t.equal(after.ino, before.ino, 'dist/cli/index.js is the same file, not rebuilt')
  t.equal(after.mtimeMs, before.mtimeMs)
})
