import type { GroupFormat, MessageAuthenticatorMode, NasClient } from '../db/schema/index.js'
import { DomainError, InvalidInput } from './errors.js'
import { parseNetwork } from './networks.js'

export const messageAuthenticatorModes: readonly MessageAuthenticatorMode[] = ['required', 'auto', 'off']
export const groupFormats: readonly GroupFormat[] = ['cisco', 'fortinet', 'watchguard']

/** What is said of a NAS: on add, networks and secret are needed; on change, what is given changes. */
export interface NasSettings {
  readonly networks?: readonly string[] | undefined
  readonly secret?: string | undefined
  /** null: none. */
  readonly identifier?: string | null | undefined
  readonly messageAuthenticator?: string | undefined
  /** The directory password, then an Access-Challenge for the one-time code (PINsafe's two stages). */
  readonly twoStage?: boolean | undefined
  /** The directory password and the one-time code in the one User-Password. */
  readonly checkPassword?: boolean | undefined
  /** A keyword of the user's directory groups sent in an Access-Accept; null: none (and no format). */
  readonly groups?: string | null | undefined
  readonly groupFormat?: string | undefined
}

/** The agents' rule (agents.ts): a NAS shows in the same log lines and pages. */
export function checkNasName(name: string): string {
  const trimmed = name.trim()
  if (!/^[\p{L}\p{N}._@ -]{1,64}$/u.test(trimmed)) throw new InvalidInput(`NAS name "${name}" is not allowed (1 to 64 letters, digits, spaces or . _ @ -)`)
  return trimmed
}

/**
 * A shared secret: at least 16 characters (the RADIUS deprecation draft's advice against guessable
 * ones), trimmed, printable ASCII: a NAS keeps it as bytes in its own character set, and
 * ASCII is the same bytes in every one of them.
 */
export function checkNasSecret(secret: string): string {
  const trimmed = secret.trim()
  if (!/^[\x20-\x7e]{16,128}$/.test(trimmed)) throw new InvalidInput('NAS secret must be 16 to 128 printable ASCII characters')
  return trimmed
}

/** At least one: a RADIUS client is always another host, so there is no default as an agent's. */
export function nasNetworks(networks: readonly string[] | undefined): string[] {
  if (!networks?.length) throw new InvalidInput('a NAS needs at least one network, the addresses its packets come from')
  return networks.map(parseNetwork)
}

/** NAS-Identifier is an attribute of at most 253 bytes (RFC 2865 §5.32). */
export function checkIdentifier(identifier: string): string {
  const trimmed = identifier.trim()
  const bytes = Buffer.byteLength(trimmed)
  if (bytes < 1 || bytes > 253 || /\p{Cc}/u.test(trimmed)) throw new InvalidInput('NAS-Identifier must be 1 to 253 bytes of printable text')
  return trimmed
}

export function checkMessageAuthenticator(mode: string): MessageAuthenticatorMode {
  const found = messageAuthenticatorModes.find((known) => known === mode)
  if (!found) throw new InvalidInput(`Message-Authenticator must be required, auto or off, not "${mode}"`)
  return found
}

function checkGroupFormat(format: string): GroupFormat {
  const found = groupFormats.find((known) => known === format)
  if (!found) throw new InvalidInput(`group format must be cisco, fortinet or watchguard, not "${format}"`)
  return found
}

function checkKeyword(keyword: string): string {
  const trimmed = keyword.trim()
  if (trimmed.length < 1 || trimmed.length > 128 || /\p{Cc}/u.test(trimmed)) throw new InvalidInput('groups keyword must be 1 to 128 characters of printable text')
  return trimmed
}

/**
 * The groups keyword and format after a change: given ones replace the NAS's, null clears both.
 * A keyword means nothing without the format that carries it, and a format nothing without groups.
 */
export function nasGroups(settings: NasSettings, nas: NasClient | undefined): { keyword: string | null; format: GroupFormat | null } {
  const cleared = settings.groups === null
  const keyword = typeof settings.groups === 'string' ? checkKeyword(settings.groups) : cleared ? null : (nas?.groups_keyword ?? null)
  const given = settings.groupFormat === undefined ? undefined : checkGroupFormat(settings.groupFormat)
  if (cleared && given !== undefined) throw new InvalidInput('a group format needs groups: they are cleared together')
  const format = given ?? (cleared ? null : (nas?.group_format ?? null))
  if (keyword !== null && format === null) throw new DomainError('groups need a group format (cisco, fortinet or watchguard)')
  if (keyword === null && format !== null) throw new DomainError('a group format needs a groups keyword')
  return { keyword, format }
}

/**
 * What a NAS's settings may combine, as they will be: two stages already check the directory
 * password (in the first), so a password with the code as well would refuse every user.
 */
export function assertAnswered(result: { readonly twoStage: boolean; readonly checkPassword: boolean }): void {
  if (result.twoStage && result.checkPassword) throw new DomainError('--two-stage checks the directory password in its first stage and --check-password in the one field: a NAS takes one of them')
}
