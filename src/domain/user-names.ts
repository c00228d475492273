/**
 * The key users are matched on: the name in NFC, lower case, so `Alice`, `alice` and a
 * decomposed `josé` are one user, as directory logins are. (Migration 005 filled it for the
 * users already there with this same rule.)
 */
export function nameKey(name: string): string {
  return name.trim().normalize('NFC').toLowerCase()
}
