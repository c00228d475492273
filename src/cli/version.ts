import { readFileSync } from 'node:fs'

/**
 * The package's version. package.json is two folders above this file in the checkout
 * (dist/cli/, src/cli/) and in an install (node_modules/agentxml/dist/cli/), and npm always ships it.
 */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8')
  return (JSON.parse(text) as { version?: string }).version ?? 'unknown'
}
