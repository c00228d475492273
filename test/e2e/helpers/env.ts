/**
 * The environment for a child process: ours without any AGENTXML_* setting of the developer's
 * shell (a test names every setting it relies on), plus `extra`.
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('AGENTXML_')) env[name] = value
  }
  return { ...env, NO_COLOR: '1', ...extra }
}
