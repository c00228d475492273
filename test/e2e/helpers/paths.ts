import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

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

/** The database file of a temp folder; the key file and the outbox land beside it. */
export const dbIn = (dir: string) => join(dir, 'agentxml.db')
