/** A command as `agentxml --help` lists it. */
export interface CommandEntry {
  readonly name: string
  /** One line for the list of commands. */
  readonly summary: string
}

/** `agentxml --help`: the commands, one line each; each has its own usage. */
export function globalUsage(commands: readonly CommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`)
  return `Usage: agentxml <command> [options]

${lines.join('\n')}

agentxml <command> --help (or agentxml help <command>) shows the usage of one command.
agentxml --version (or -v) prints the version.
--db, --key-file and --config may come before the command too: agentxml --config FILE user list.
`
}
