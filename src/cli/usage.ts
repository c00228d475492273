import type { Command } from './shared.js'

/** `agentxml --help`: the commands, one line each; each has its own usage. */
export function globalUsage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`)
  return `Usage: agentxml <command> [options]

${lines.join('\n')}

agentxml <command> --help (or agentxml help <command>) shows the usage of one command.
agentxml --version prints the version.
`
}
