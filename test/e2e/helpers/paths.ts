import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { dropDatabaseTarget, freshDatabaseTarget, testEngine } from '../../helpers/database.js'
import { mustRun } from './cli.js'

/** The checkout: commands run here, as a user's `npx agentxml` would. */
export const projectRoot = fileURLToPath(new URL('../../../', import.meta.url))

/** The compiled command, what `npm start` and `npx agentxml` run. */
export const cliEntry = join(projectRoot, 'dist', 'cli', 'index.js')

interface Tap {
  teardown(fn: () => unknown): void
}

/** A fresh folder outside the checkout, removed when the test ends (other helpers test at the same time). */
export async function tempDir(t: Tap): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'agentxml-e2e-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const settings = new Map<string, NodeJS.ProcessEnv>()

/**
 * The database of a temp folder, for the engine the suite runs on: SQLite's file (the key file
 * and the outbox land beside it), or a fresh PostgreSQL database whose key file and outbox are
 * in the same places (AGENTXML_KEY_FILE, AGENTXML_OUTBOX), as an operator would set them.
 */
export async function databaseIn(t: Tap, dir: string, options: { init?: boolean } = {}): Promise<string> {
  const target = await freshDatabaseTarget(join(dir, 'agentxml.db'))
  if (testEngine === 'postgres') {
    const keyFile = join(dir, 'agentxml.key')
    await writeFile(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 })
    settings.set(target, { AGENTXML_KEY_FILE: keyFile, AGENTXML_OUTBOX: join(dir, 'outbox.jsonl') })
    t.teardown(() => dropDatabaseTarget(target))
  }
  // as an administrator sets up before the first start (only serve and init make a database);
  // not spawnSync: that would stop this process's clock for the other tests running beside it
  if (options.init ?? true) await mustRun(['init'], { db: target })
  return target
}

/** What a process using `db` needs in its environment besides `--db` (nothing for SQLite). */
export const databaseEnv = (db: string | undefined): NodeJS.ProcessEnv => (db === undefined ? {} : (settings.get(db) ?? {}))
