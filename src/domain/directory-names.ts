import { checkUserName } from './users.js'

/**
 * Where a name from a directory meets the user-name rules: the one function every directory
 * and import path goes through, so the rules (case-insensitive names) are applied in one place.
 */
export function directoryUserName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined
  try {
    return checkUserName(raw)
  } catch {
    return undefined
  }
}

/** Names that are the same user: "Alice" in the directory is the local "alice" (user-names.ts). */
export { nameKey } from './user-names.js'
