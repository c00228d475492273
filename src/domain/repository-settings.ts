import type { Repository, RepositoryPreset } from '../db/schema/index.js'
import { inClear } from '../directory/ldap.js'
import { presetNames } from '../directory/presets.js'
import { transportNames } from '../transports/queue.js'
import { InvalidInput } from './errors.js'

/** A repository's settings as given (the command's options, the console's form); all optional. */
export interface RepositorySettings {
  readonly name?: string | undefined
  readonly preset?: RepositoryPreset | undefined
  readonly url?: string | undefined
  readonly startTls?: boolean | undefined
  /**
   * Given: ldap:// without StartTLS may be used, passwords in clear. As checked: true exactly when
   * the result is plain LDAP, so a repository with TLS keeps no permission for a later change.
   */
  readonly allowPlainLdap?: boolean | undefined
  /** PEM text; '' removes it (the system's CAs are trusted again). */
  readonly caPem?: string | undefined
  readonly bindDn?: string | undefined
  readonly bindPassword?: string | undefined
  readonly baseDn?: string | undefined
  readonly filter?: string | undefined
  readonly usernameAttr?: string | undefined
  readonly emailAttr?: string | undefined
  readonly phoneAttr?: string | undefined
  readonly groups?: readonly string[] | undefined
  /** '' removes it (every user gets the mobile right). */
  readonly mobileGroup?: string | undefined
  readonly transport?: string | undefined
  readonly intervalMinutes?: number | undefined
  readonly graceDays?: number | undefined
  readonly maxRemovalPercent?: number | undefined
}

/**
 * The sealed bind password is sent only where it was given for: a change of the URL, StartTLS,
 * the CA or the bind DN needs it again, as a browser asks before it sends a saved password to
 * another site (else whoever may edit a repository could point it at a listener of their own).
 */
export class BindPasswordNeeded extends InvalidInput {
  constructor(readonly changed: readonly string[]) {
    super(`changing ${listed(changed.map((what) => `the ${what}`))} needs the bind password again`)
  }
}

/** Plain LDAP only when asked for by name: it sends the bind password and the passwords checked at login in clear. */
export class PlainLdapRefused extends InvalidInput {
  constructor() {
    super('an ldap:// URL without StartTLS would send the bind password, and the passwords checked at login, in clear')
  }
}

const listed = (items: readonly string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`)

/** PEM as typed, pasted or sent by a browser's form (CRLF): the same certificates compare equal. */
const pemText = (pem: string) => pem.replace(/\r\n?/g, '\n').trim()

/** What of where and as whom the repository binds the checked settings change (URL, StartTLS, CA, bind DN). */
function connectionChanges(s: RepositorySettings, existing: Repository): string[] {
  const changes: [boolean, string][] = [
    [s.url !== undefined && s.url !== existing.url, 'URL'],
    [s.startTls !== undefined && s.startTls !== (existing.start_tls === 1), 'StartTLS setting'],
    [s.caPem !== undefined && pemText(s.caPem) !== pemText(existing.ca_pem ?? ''), 'CA'],
    [s.bindDn !== undefined && s.bindDn !== existing.bind_dn, 'bind DN'],
  ]
  return changes.filter(([changed]) => changed).map(([, what]) => what)
}

const attributeName = /^[A-Za-z][A-Za-z0-9-]{0,63}$/

function checkName(name: string): string {
  const trimmed = name.trim()
  if (!/^[\p{L}\p{N}._-]{1,64}$/u.test(trimmed)) throw new InvalidInput(`repository name "${name}" is not allowed (1 to 64 letters, digits, . _ -)`)
  return trimmed
}

function checkUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url.trim())
  } catch {
    throw new InvalidInput(`"${url}" is not a URL (ldap://host:389 or ldaps://host:636)`)
  }
  if ((parsed.protocol !== 'ldap:' && parsed.protocol !== 'ldaps:') || !parsed.hostname || (parsed.pathname !== '' && parsed.pathname !== '/')) {
    throw new InvalidInput(`"${url}" is not an LDAP URL (ldap://host:389 or ldaps://host:636)`)
  }
  return `${parsed.protocol}//${parsed.host}`
}

function checkDn(dn: string, what: string): string {
  const trimmed = dn.trim()
  if (!/^[^=,]+=[^=]+/.test(trimmed) || trimmed.length > 1024 || /\p{Cc}/u.test(trimmed)) throw new InvalidInput(`${what} "${dn}" is not a DN`)
  return trimmed
}

/** A filter in parentheses, balanced: the directory judges the rest, and says so on the first sync. */
function checkFilter(filter: string): string {
  const trimmed = filter.trim()
  let depth = 0
  for (const c of trimmed) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0
    if (depth < 0) break
  }
  if (!trimmed.startsWith('(') || !trimmed.endsWith(')') || depth !== 0 || /\p{Cc}/u.test(trimmed)) {
    throw new InvalidInput(`"${filter}" is not an LDAP filter (such as "(objectClass=inetOrgPerson)")`)
  }
  return trimmed
}

function checkAttribute(name: string, what: string): string {
  if (!attributeName.test(name.trim())) throw new InvalidInput(`${what} "${name}" is not an attribute name`)
  return name.trim()
}

function checkRange(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new InvalidInput(`${what} must be a whole number from ${min} to ${max}`)
  return value
}

function checkCa(pem: string): string {
  if (pem !== '' && !pem.includes('-----BEGIN CERTIFICATE-----')) throw new InvalidInput('the CA file holds no PEM certificate')
  return pem
}

/**
 * Validated settings; a new repository (`existing` undefined) must name its URL, bind DN and base
 * DN, and a change of an existing one's connection must carry the bind password (BindPasswordNeeded).
 */
export function checkRepositorySettings(settings: RepositorySettings, existing: Repository | undefined): RepositorySettings {
  const s = settings
  if (!existing) {
    for (const [value, flag] of [[s.name, 'a name'], [s.url, '--url'], [s.bindDn, '--bind-dn'], [s.baseDn, '--base-dn']] as const) {
      if (!value) throw new InvalidInput(`a repository needs ${flag}`)
    }
  }
  if (s.preset !== undefined && !presetNames.includes(s.preset)) throw new InvalidInput(`preset must be one of ${presetNames.join(', ')}`)
  if (s.transport !== undefined && !(transportNames as readonly string[]).includes(s.transport)) {
    throw new InvalidInput(`transport must be one of ${transportNames.join(', ')}, not "${s.transport}"`)
  }
  const url = s.url === undefined ? undefined : checkUrl(s.url)
  const startTls = s.startTls ?? existing?.start_tls === 1
  if (startTls && (url ?? existing?.url ?? '').startsWith('ldaps:')) throw new InvalidInput('--start-tls is for ldap:// URLs; ldaps:// is TLS already')
  if (s.bindPassword !== undefined && (s.bindPassword === '' || s.bindPassword.length > 1024)) {
    throw new InvalidInput('the bind password must be 1 to 1024 characters')
  }
  const checked: RepositorySettings = {
    name: s.name === undefined ? undefined : checkName(s.name),
    preset: s.preset,
    url,
    startTls: s.startTls,
    caPem: s.caPem === undefined ? undefined : checkCa(s.caPem),
    bindDn: s.bindDn === undefined ? undefined : checkDn(s.bindDn, 'bind DN'),
    bindPassword: s.bindPassword,
    baseDn: s.baseDn === undefined ? undefined : checkDn(s.baseDn, 'base DN'),
    filter: s.filter === undefined ? undefined : checkFilter(s.filter),
    usernameAttr: s.usernameAttr === undefined ? undefined : checkAttribute(s.usernameAttr, 'username attribute'),
    emailAttr: s.emailAttr === undefined ? undefined : checkAttribute(s.emailAttr, 'email attribute'),
    phoneAttr: s.phoneAttr === undefined ? undefined : checkAttribute(s.phoneAttr, 'phone attribute'),
    groups: s.groups?.map((group) => checkDn(group, 'group')),
    mobileGroup: s.mobileGroup === undefined || s.mobileGroup === '' ? s.mobileGroup : checkDn(s.mobileGroup, 'mobile group'),
    transport: s.transport,
    intervalMinutes: s.intervalMinutes === undefined ? undefined : checkRange(s.intervalMinutes, 0, 10_080, 'the interval (minutes, 0: on demand only)'),
    graceDays: s.graceDays === undefined ? undefined : checkRange(s.graceDays, 0, 365, 'the grace period (days)'),
    maxRemovalPercent: s.maxRemovalPercent === undefined ? undefined : checkRange(s.maxRemovalPercent, 1, 100, 'the largest share a sync may remove (percent)'),
  }
  if (existing && checked.bindPassword === undefined) {
    const changed = connectionChanges(checked, existing)
    if (changed.length > 0) throw new BindPasswordNeeded(changed)
  }
  const plain = inClear({ url: url ?? existing?.url ?? '', startTls })
  if (plain && !(s.allowPlainLdap ?? existing?.allow_plain_ldap === 1)) throw new PlainLdapRefused()
  return { ...checked, allowPlainLdap: plain }
}
