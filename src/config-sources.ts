import type { Flags } from './config.js'

/**
 * Where a setting comes from: the first of the command line, its AGENTXML_* variable (empty
 * means unset) and the --config file that has it; none, and the caller's `??` default applies.
 * The file's values are typed as the flags are (config-file.ts), so a flag added later is read
 * from all three without a line of its own here.
 */
export function settingSources(flags: Flags, env: NodeJS.ProcessEnv, file: Flags) {
  const variable = (name: string) => (env[name] === '' ? undefined : env[name])
  return {
    text(flag: string, name: string): string | undefined {
      const given = flags[flag]
      if (typeof given === 'string') return given
      const value = variable(name) ?? file[flag]
      return typeof value === 'string' ? value : undefined
    },
    /** A flag given is yes; a variable says yes with `1`, `yes` or `true` (any case), no otherwise. */
    yes(flag: string, name: string): boolean {
      if (flags[flag] === true) return true
      const text = variable(name)
      return text === undefined ? file[flag] === true : /^(1|yes|true)$/i.test(text)
    },
    /** A repeatable flag, given once or more; its variable holds one value a line. */
    lines(flag: string, name: string): readonly string[] {
      const text = variable(name)
      return asList(flags[flag]) ?? text?.split('\n').filter((line) => line.trim() !== '') ?? asList(file[flag]) ?? []
    },
  }
}

const asList = (value: Flags[string]) => (Array.isArray(value) ? (value as readonly string[]) : typeof value === 'string' ? [value] : undefined)
