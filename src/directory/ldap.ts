import { isIP } from 'node:net'
import { checkServerIdentity, type PeerCertificate } from 'node:tls'
import { Client, InvalidCredentialsError } from 'ldapts'

/**
 * The only importer of ldapts. What the rest of the server needs of a directory: bind, read the
 * entries under a base in pages (directories cap the size of one result), read a group's
 * members, and check a user's password by binding as them. Errors come out as
 * `DirectoryUnavailable` with a message that names the problem and never a password.
 */

export interface DirectoryTarget {
  /** ldap://host:port or ldaps://host:port */
  readonly url: string
  readonly startTls: boolean
  /** ldap:// without StartTLS may be used (else it is refused before anything is sent). */
  readonly allowPlain: boolean
  /** PEM certificates to trust; undefined: the system's. */
  readonly caPem: string | undefined
  /** Milliseconds for connecting and for each operation; default 10 s. */
  readonly timeoutMs?: number
}

/** An entry: its DN and the values of the attributes asked for, names in lower case. */
export interface DirectoryEntry {
  readonly dn: string
  readonly attributes: ReadonlyMap<string, readonly string[]>
}

export class DirectoryUnavailable extends Error {}

export interface DirectorySession {
  /** Every entry under `base` matching `filter`, one page at a time. */
  entries(base: string, filter: string, attributes: readonly string[], pageSize?: number): AsyncGenerator<DirectoryEntry[]>
  /** Whether any entry under `base` matches `filter` (one is asked for, whatever the size limit). */
  anyEntry(base: string, filter: string): Promise<boolean>
  /** The values of a group entry's member attributes (DNs, or names for memberUid). */
  members(groupDn: string): Promise<string[]>
  close(): Promise<void>
}

const defaultTimeout = 10_000

/** ldap:// without StartTLS: the bind DN and password, and every entry read, cross the network in clear. */
export const inClear = (target: Pick<DirectoryTarget, 'url' | 'startTls'>) => target.url.startsWith('ldap:') && !target.startTls

/** Entries a page of a search: each page is parsed in one go, so a small one keeps requests flowing during a sync. */
export const entriesPerPage = 100

/** The URL's host as a certificate names it: an IPv6 literal without its brackets. */
const hostOf = (url: string) => new URL(url).hostname.replace(/^\[(.*)\]$/, '$1')

function tlsOptions(target: DirectoryTarget) {
  const host = hostOf(target.url)
  return {
    ...(target.caPem ? { ca: target.caPem } : {}),
    minVersion: 'TLSv1.2' as const,
    // ldapts' startTLS() names no host, and node then checks the certificate of an IP address
    // against "localhost": the URL's host is checked, always
    checkServerIdentity: (_name: string, cert: PeerCertificate) => checkServerIdentity(host, cert),
    // SNI carries host names only, never an address (RFC 6066 §3)
    ...(isIP(host) ? {} : { servername: host }),
  }
}

function client(target: DirectoryTarget): Client {
  const timeout = target.timeoutMs ?? defaultTimeout
  // ldapts takes any tlsOptions as a wish for ldaps: give them only to an ldaps:// URL
  const secure = target.url.startsWith('ldaps:') ? { tlsOptions: tlsOptions(target) } : {}
  return new Client({ url: target.url, timeout, connectTimeout: timeout, strictDN: false, ...secure })
}

/** Connected and bound; on failure the connection is closed and the error thrown. */
async function connect(target: DirectoryTarget, dn: string, password: string): Promise<Client> {
  // checked where the password would leave, whatever was checked when the settings were stored
  if (inClear(target) && !target.allowPlain) throw new Error('plain LDAP without StartTLS is not allowed for this directory (it would send passwords in clear)')
  const ldap = client(target)
  try {
    if (target.startTls) await ldap.startTLS(tlsOptions(target))
    await ldap.bind(dn, password)
    return ldap
  } catch (err) {
    await ldap.unbind().catch(() => {})
    throw err
  }
}

/** What went wrong, in one line: ldapts messages name the host or the LDAP result, not the request. */
export function describeError(err: unknown): string {
  if (err instanceof InvalidCredentialsError) return 'the directory refused the bind DN or password'
  const message = err instanceof Error ? err.message.trim() : String(err)
  const code = (err as { code?: unknown }).code
  return (message || (typeof code === 'number' ? `LDAP result ${code}` : 'unknown error')).slice(0, 300)
}

function wrap(target: DirectoryTarget, err: unknown): DirectoryUnavailable {
  return new DirectoryUnavailable(`directory ${target.url}: ${describeError(err)}`)
}

function entryOf(raw: Record<string, unknown>): DirectoryEntry {
  const attributes = new Map<string, string[]>()
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'dn') continue
    const values = (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)))
    attributes.set(name.toLowerCase(), values)
  }
  return { dn: String(raw.dn), attributes }
}

/** Bind as the repository's service account; throws DirectoryUnavailable. */
export async function openDirectory(target: DirectoryTarget, dn: string, password: string): Promise<DirectorySession> {
  let ldap: Client
  try {
    ldap = await connect(target, dn, password)
  } catch (err) {
    throw wrap(target, err)
  }
  return {
    async *entries(base, filter, attributes, pageSize = entriesPerPage) {
      try {
        const pages = ldap.searchPaginated(base, { scope: 'sub', filter, attributes: [...attributes], paged: { pageSize } })
        for await (const page of pages) yield page.searchEntries.map(entryOf)
      } catch (err) {
        throw wrap(target, err)
      }
    },
    async anyEntry(base, filter) {
      try {
        // '1.1': no attributes (RFC 4511 §4.5.1.8)
        const { searchEntries } = await ldap.search(base, { scope: 'sub', filter, sizeLimit: 1, attributes: ['1.1'] })
        return searchEntries.length > 0
      } catch (err) {
        throw wrap(target, err)
      }
    },
    async members(groupDn) {
      try {
        return await readMembers(ldap, groupDn)
      } catch (err) {
        throw wrap(target, err)
      }
    },
    async close() {
      await ldap.unbind().catch(() => {})
    },
  }
}

const memberAttributes = ['member', 'uniquemember', 'memberuid']

/**
 * A group's members. Active Directory returns a large `member` in ranges (`member;range=0-1499`):
 * the next range is asked for until one ends with `*`.
 */
async function readMembers(ldap: Client, groupDn: string): Promise<string[]> {
  const members: string[] = []
  let wanted = ['member', 'uniqueMember', 'memberUid']
  while (wanted.length > 0) {
    const { searchEntries } = await ldap.search(groupDn, { scope: 'base', filter: '(objectClass=*)', attributes: wanted })
    const entry = searchEntries[0]
    if (!entry) throw new Error(`group ${groupDn} not found`)
    wanted = []
    for (const [name, values] of entryOf(entry).attributes) {
      const [base, range] = name.split(';range=')
      if (!base || !memberAttributes.includes(base)) continue
      members.push(...values)
      const end = range?.split('-')[1]
      if (end !== undefined && end !== '*') wanted.push(`${base};range=${Number(end) + 1}-*`)
    }
  }
  return members
}

/**
 * Bind as `dn` with `password`: 'ok', 'wrong' (the directory refused them) or 'unavailable'
 * (it could not be asked). The password is never part of an error or a log line.
 */
export async function checkBind(target: DirectoryTarget, dn: string, password: string): Promise<'ok' | 'wrong' | 'unavailable'> {
  // an empty password is an unauthenticated bind, which directories accept for any DN (RFC 4513 §5.1.2)
  if (password === '') return 'wrong'
  let ldap: Client | undefined
  try {
    ldap = await connect(target, dn, password)
    return 'ok'
  } catch (err) {
    return err instanceof InvalidCredentialsError ? 'wrong' : 'unavailable'
  } finally {
    await ldap?.unbind().catch(() => {})
  }
}
