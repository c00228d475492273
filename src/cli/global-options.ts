/** The options every command takes (shared.ts `common`) that may also come before the command. */
const globalOptions = ['--db', '--key-file', '--config'] as const

/**
 * `agentxml --db X user list` as `agentxml user list --db X`: options every command takes, given
 * before the command's name, are moved after its arguments (before a `--`, after which
 * everything is a value), where the command's own parser reads them and judges their values.
 */
export function hoistGlobalOptions(argv: readonly string[]): readonly string[] {
  const leading: string[] = []
  let i = 0
  for (; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const flag = globalOptions.find((name) => arg === name || arg.startsWith(`${name}=`))
    if (flag === undefined) break
    leading.push(arg)
    if (arg === flag && i + 1 < argv.length) leading.push(argv[++i] ?? '')
  }
  const rest = argv.slice(i)
  // nothing but options: no command, and the list of commands says so
  if (leading.length === 0 || rest.length === 0) return rest
  const end = rest.indexOf('--')
  return end === -1 ? [...rest, ...leading] : [...rest.slice(0, end), ...leading, ...rest.slice(end)]
}
