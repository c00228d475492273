import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

/**
 * A real OpenLDAP server for the tests: Debian's slapd, started under a temporary folder with a
 * generated slapd.conf, a plain and a TLS listener (certificate made with openssl now), and a
 * size limit small enough that only a paged search can read the whole directory.
 */

const run = promisify(execFile)
const slapdBinary = '/usr/sbin/slapd'

export const suffix = 'dc=example,dc=com'
export const rootDn = `cn=admin,${suffix}`
export const rootPassword = 'root-password'
/** The account a repository binds as: not the rootdn, so the size limit applies to it. */
export const serviceDn = `cn=sync,${suffix}`
export const servicePassword = 'sync-password-4f9a'
export const peopleDn = `ou=people,${suffix}`
export const groupsDn = `ou=groups,${suffix}`

// tap reads this environment in the test process only; CI sets it so a missing slapd fails
export const requireLdap = process.env.AGENTXML_REQUIRE_LDAP === '1'
export const available = existsSync(slapdBinary) && spawnSync('ldapadd', ['-VV'], { stdio: 'ignore' }).error === undefined

/** `skip` for tap: false when slapd can run; else ONE line saying how to enable the LDAP tests. */
export const slapdSkip: string | false =
  available || requireLdap ? false : 'slapd is missing: apt-get install slapd ldap-utils (AGENTXML_REQUIRE_LDAP=1 makes this a failure)'

export interface SlapdOptions {
  /** Entries a non-paged search may return (the `sizelimit`); default 20. */
  readonly sizeLimit?: number
  /** LDIF loaded with slapadd before the first start (fast: for large directories). */
  readonly bulkLdif?: string
  /** Log every operation (slapd's `stats` level) for `binds()`. */
  readonly logOperations?: boolean
  /** The names the TLS certificate is for; default CN=localhost with IP:127.0.0.1 and DNS:localhost. */
  readonly certificate?: { readonly subject: string; readonly altNames: string }
}

export interface Slapd {
  readonly url: string
  readonly tlsUrl: string
  /** The PEM certificate the TLS listener presents (it is its own CA). */
  readonly caFile: string
  readonly dir: string
  add(ldif: string): Promise<void>
  modify(ldif: string): Promise<void>
  remove(dn: string): Promise<void>
  /** Entries a search as the rootdn finds (no size limit applies to it). */
  search(base: string, filter: string, attributes?: string[]): Promise<string>
  stop(): Promise<void>
  /** Start again on the same ports with the same data. */
  start(): Promise<void>
  /** Stop and remove the folder. */
  close(): Promise<void>
  /** The DNs of the binds slapd has logged so far (only with `logOperations`). */
  binds(): string[]
}

/** A schema for test entries shaped like Active Directory's (sAMAccountName, userAccountControl). */
const adSchema = `attributetype ( 1.3.6.1.4.1.55555.1.1 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.55555.1.2 NAME 'userAccountControl' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.55555.2.1 NAME 'adTestUser' AUXILIARY MAY ( sAMAccountName $ userAccountControl ) )
`

function config(dir: string, sizeLimit: number): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include ${dir}/ad-test.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile ${dir}/slapd.pid
TLSCertificateFile ${dir}/server.crt
TLSCertificateKeyFile ${dir}/server.key
sizelimit size.soft=${sizeLimit} size.hard=${sizeLimit} size.prtotal=unlimited
database mdb
maxsize 4294967296
suffix "${suffix}"
rootdn "${rootDn}"
rootpw ${rootPassword}
directory ${dir}/data
index objectClass eq
index uid,sAMAccountName eq
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
`
}

const base = `dn: ${suffix}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ${serviceDn}
objectClass: simpleSecurityObject
objectClass: organizationalRole
cn: sync
userPassword: ${servicePassword}

dn: ${peopleDn}
objectClass: organizationalUnit
ou: people

dn: ${groupsDn}
objectClass: organizationalUnit
ou: groups
`

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

class SlapdStartError extends Error {
  constructor(
    message: string,
    readonly exited: boolean,
  ) {
    super(message)
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy()
      resolve(true)
    })
    socket.on('error', () => resolve(false))
  })
}

const defaultCertificate = { subject: '/CN=localhost', altNames: 'IP:127.0.0.1,DNS:localhost' }

async function makeCertificate(dir: string, names = defaultCertificate): Promise<void> {
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', names.subject,
    '-addext', `subjectAltName=${names.altNames}`,
    '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.crt'),
  ])
}

export async function startSlapd(options: SlapdOptions = {}): Promise<Slapd> {
  const dir = mkdtempSync(join(tmpdir(), 'agentxml-slapd-'))
  mkdirSync(join(dir, 'data'))
  writeFileSync(join(dir, 'ad-test.schema'), adSchema)
  const confFile = join(dir, 'slapd.conf')
  writeFileSync(confFile, config(dir, options.sizeLimit ?? 20))
  await makeCertificate(dir, options.certificate)
  writeFileSync(join(dir, 'base.ldif'), `${base}\n${options.bulkLdif ?? ''}`)
  await run('slapadd', ['-q', '-f', confFile, '-l', join(dir, 'base.ldif')], { maxBuffer: 1 << 26 })
  let [port, tlsPort] = [await freePort(), await freePort()]
  let url = `ldap://127.0.0.1:${port}`
  let tlsUrl = `ldaps://127.0.0.1:${tlsPort}`
  let child: ChildProcess | undefined
  const logged: string[] = []

  const start = async () => {
    const output: string[] = []
    const level = options.logOperations ? '256' : '0'
    const spawned = spawn(slapdBinary, ['-f', confFile, '-h', `${url}/ ${tlsUrl}/`, '-d', level], { stdio: ['ignore', 'ignore', 'pipe'] })
    spawned.stderr?.on('data', (chunk: Buffer) => {
      output.push(chunk.toString())
      if (options.logOperations) logged.push(chunk.toString())
    })
    child = spawned
    for (let waited = 0; !(await accepts(port)) || !(await accepts(tlsPort)); waited += 50) {
      if (spawned.exitCode !== null || waited > 15_000) throw new SlapdStartError(`slapd did not start: ${output.join('')}`, spawned.exitCode !== null)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  const stop = async () => {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null) return
    const exited = new Promise((resolve) => running.once('exit', resolve))
    running.kill('SIGTERM')
    await exited
  }
  const tool = async (command: string, args: string[], input?: string) => {
    const spawned = execFile(command, ['-x', '-H', url, '-D', rootDn, '-w', rootPassword, ...args], { maxBuffer: 1 << 26 })
    const done = new Promise<string>((resolve, reject) => {
      let out = ''
      let err = ''
      spawned.stdout?.on('data', (c: Buffer) => (out += c.toString()))
      spawned.stderr?.on('data', (c: Buffer) => (err += c.toString()))
      spawned.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} failed (${code}): ${err}`))))
    })
    if (input !== undefined) spawned.stdin?.end(input)
    return done
  }

  // a port free a moment ago may have been taken since by a test running beside this one, and
  // slapd then exits at once: the first start tries other ports
  for (let attempt = 1; ; attempt++) {
    try {
      await start()
      break
    } catch (err) {
      if (!(err instanceof SlapdStartError && err.exited) || attempt === 5) throw err
      ;[port, tlsPort] = [await freePort(), await freePort()]
      url = `ldap://127.0.0.1:${port}`
      tlsUrl = `ldaps://127.0.0.1:${tlsPort}`
    }
  }
  return {
    url,
    tlsUrl,
    caFile: join(dir, 'server.crt'),
    dir,
    add: async (ldif) => void (await tool('ldapadd', [], ldif)),
    modify: async (ldif) => void (await tool('ldapmodify', [], ldif)),
    remove: async (dn) => void (await tool('ldapdelete', [dn])),
    search: (searchBase, filter, attributes = []) => tool('ldapsearch', ['-LLL', '-b', searchBase, filter, ...attributes]),
    stop,
    start,
    binds: () => [...logged.join('').matchAll(/ BIND dn="([^"]*)"/g)].map((match) => match[1] ?? ''),
    close: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface Person {
  readonly uid: string
  readonly mail?: string
  readonly mobile?: string
  readonly password?: string
  /** Given: an Active Directory-shaped entry with this sAMAccountName and userAccountControl. */
  readonly ad?: { readonly sam: string; readonly control: number }
}

export const personDn = (uid: string) => `uid=${uid},${peopleDn}`
export const groupDn = (cn: string) => `cn=${cn},${groupsDn}`

export function personLdif(person: Person): string {
  const lines = [
    `dn: ${personDn(person.uid)}`,
    'objectClass: inetOrgPerson',
    ...(person.ad ? ['objectClass: adTestUser', `sAMAccountName: ${person.ad.sam}`, `userAccountControl: ${person.ad.control}`] : []),
    `uid: ${person.uid}`,
    `cn: ${person.uid}`,
    `sn: ${person.uid}`,
    ...(person.mail ? [`mail: ${person.mail}`] : []),
    ...(person.mobile ? [`mobile: ${person.mobile}`] : []),
    ...(person.password ? [`userPassword: ${person.password}`] : []),
  ]
  return `${lines.join('\n')}\n\n`
}

/** A groupOfNames (it must have a member: an empty group holds the service account). */
export function groupLdif(cn: string, memberUids: readonly string[]): string {
  const members = memberUids.length ? memberUids.map(personDn) : [serviceDn]
  return `dn: ${groupDn(cn)}\nobjectClass: groupOfNames\ncn: ${cn}\n${members.map((m) => `member: ${m}`).join('\n')}\n\n`
}

/** Read a file the harness wrote (the certificate, for a repository's --ca). */
export const readText = (file: string) => readFileSync(file, 'utf8')
