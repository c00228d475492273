import { readFileSync } from 'node:fs'
import { addNas, changeNas, deleteNas, listNas, type NasSettings, type NasView, showNas } from '../domain/nas-clients.js'
import { assertNoMore, CliError, type Command, dbHelp, formatTime, type Io, parseFor, positional, print, table, UsageError, withServices } from './shared.js'

const usage = `Usage: agentxml nas <command> ...

RADIUS clients (NAS): the VPNs, firewalls and gateways that check one-time codes over RADIUS.

  nas add NAME --network CIDR [--network CIDR]... [--secret-file FILE] [--identifier NAS-ID]
               [--message-authenticator required|auto|off] [--two-stage] [--check-password]
               [--groups KEYWORD --group-format cisco|fortinet|watchguard]
  nas set NAME [the options of add] [--no-identifier] [--no-two-stage] [--no-check-password]
               [--no-groups]
  nas list
  nas show NAME
  nas delete NAME

  --network CIDR       where its packets come from, repeatable, at least one (192.0.2.10,
                       10.0.0.0/24, 2001:db8::/64); an address in several NASes' networks
                       belongs to the one with the narrowest
  --secret-file FILE   the shared secret, 16 to 128 printable ASCII characters (one trailing
                       newline is dropped); without it, AGENTXML_NAS_SECRET. There is no
                       --secret: process lists show the command line. The secret is sealed
                       with the master key and never shown or logged.
  --identifier NAS-ID  the NAS-Identifier it sends, named in the log lines
  --message-authenticator MODE
                       required (the default): a request without a valid Message-Authenticator
                       is dropped (BlastRADIUS, CVE-2024-3596); auto: required once the NAS
                       has sent one; off: never checked
  --two-stage          the directory password first, then an Access-Challenge for the code
  --check-password     the directory password followed by the code, in the one password
  --groups KEYWORD     an Access-Accept carries the user's directory groups whose names
                       contain KEYWORD, as --group-format says: cisco (Class OU=g1;g2),
                       fortinet (Fortinet-Group-Name) or watchguard (Filter-Id)
nas set changes only what it is given; the networks it is given replace the list, a secret
from --secret-file or AGENTXML_NAS_SECRET replaces the secret, and --message-authenticator
also forgets what auto had learnt.
${dbHelp}
`

const options = {
  network: { type: 'string', multiple: true },
  'secret-file': { type: 'string' },
  identifier: { type: 'string' },
  'no-identifier': { type: 'boolean' },
  'message-authenticator': { type: 'string' },
  'two-stage': { type: 'boolean' },
  'no-two-stage': { type: 'boolean' },
  'check-password': { type: 'boolean' },
  'no-check-password': { type: 'boolean' },
  groups: { type: 'string' },
  'group-format': { type: 'string' },
  'no-groups': { type: 'boolean' },
} as const

const addOptions = ['network', 'secret-file', 'identifier', 'message-authenticator', 'two-stage', 'check-password', 'groups', 'group-format'] as const
const optionsOf: Readonly<Record<string, readonly (keyof typeof options)[]>> = {
  add: addOptions,
  set: [...addOptions, 'no-identifier', 'no-two-stage', 'no-check-password', 'no-groups'],
}

/** The secret: from its file (one trailing newline dropped), else AGENTXML_NAS_SECRET. Never from argv, which ps shows. */
function secretOf(file: string | undefined, io: Io): string | undefined {
  if (file === undefined) return io.env.AGENTXML_NAS_SECRET
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '')
  } catch (err) {
    throw new CliError(`cannot read the secret file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
  }
}

/** `--x` true, `--no-x` false, neither undefined. */
function either(on: boolean | undefined, off: boolean | undefined, flag: string): boolean | undefined {
  if (on && off) throw new UsageError(`--${flag} and --no-${flag} go separately`)
  return on ? true : off ? false : undefined
}

export const nas: Command = {
  name: 'nas',
  usage,
  verbs: ['add', 'set', 'list', 'show', 'delete'],
  async run(args, io) {
    const [verb = '', ...rest] = args
    if (rest.some((arg) => arg === '--secret' || arg.startsWith('--secret='))) {
      throw new UsageError('there is no --secret (process lists show the command line): use --secret-file FILE or AGENTXML_NAS_SECRET')
    }
    const { values, positionals } = parseFor(rest, options, optionsOf[verb] ?? [])
    assertNoMore(positionals, verb === 'list' ? 0 : 1)
    const name = verb === 'list' ? '' : positional(positionals, 0, 'NAS name')
    if (values.identifier !== undefined && values['no-identifier']) throw new UsageError('--identifier and --no-identifier go separately')
    if (values.groups !== undefined && values['no-groups']) throw new UsageError('--groups and --no-groups go separately')
    if (verb === 'add' && (values.groups === undefined) !== (values['group-format'] === undefined)) throw new UsageError('--groups and --group-format go together')
    const settings: NasSettings = {
      networks: values.network,
      secret: verb === 'add' || verb === 'set' ? secretOf(values['secret-file'], io) : undefined,
      identifier: values['no-identifier'] ? null : values.identifier,
      messageAuthenticator: values['message-authenticator'],
      twoStage: either(values['two-stage'], values['no-two-stage'], 'two-stage'),
      checkPassword: either(values['check-password'], values['no-check-password'], 'check-password'),
      groups: values['no-groups'] ? null : values.groups,
      groupFormat: values['group-format'],
    }
    if (verb === 'add' && settings.secret === undefined) throw new UsageError('nas add needs the shared secret: --secret-file FILE or AGENTXML_NAS_SECRET')
    if (verb === 'set' && Object.values(settings).every((value) => value === undefined)) throw new UsageError('nas set needs something to change')
    await withServices(values, io, async (services) => {
      // add, set and delete log their own line (and so reach the audit log)
      if (verb === 'add') {
        await addNas(services, { ...settings, name })
      } else if (verb === 'set') {
        if ((await changeNas(services, name, settings)).length === 0) print(io, `NAS "${name}" unchanged`)
      } else if (verb === 'delete') {
        await deleteNas(services, name)
      } else if (verb === 'show') {
        print(io, show(await showNas(services, name)))
      } else {
        const rows = (await listNas(services)).map((n) => [n.name, n.networks.join(','), n.identifier ?? '-', modeOf(n), yes(n.twoStage), yes(n.checkPassword), groupsOf(n), formatTime(n.createdAt)])
        print(io, table([['NAME', 'NETWORKS', 'NAS-ID', 'MESSAGE-AUTH', 'TWO-STAGE', 'PASSWORD', 'GROUPS', 'CREATED'], ...rows]))
      }
    })
  },
}

const yes = (value: boolean) => (value ? 'yes' : 'no')
const modeOf = (n: NasView) => (n.messageAuthenticator === 'auto' && n.messageAuthenticatorSeen ? 'auto (seen)' : n.messageAuthenticator)
const groupsOf = (n: NasView) => (n.groups ? `${n.groups.keyword} (${n.groups.format})` : '-')

const modeNotes = {
  required: 'required',
  auto: 'auto (not seen yet, so not required)',
  off: 'off (never checked: open to forged replies, BlastRADIUS)',
} as const

function show(n: NasView): string {
  return table([
    ['name', n.name],
    ['networks', n.networks.join(', ')],
    ['secret', 'set (sealed)'],
    ['NAS-Identifier', n.identifier ?? 'none'],
    ['Message-Authenticator', n.messageAuthenticator === 'auto' && n.messageAuthenticatorSeen ? 'auto (seen: required from now on)' : modeNotes[n.messageAuthenticator]],
    ['two-stage', yes(n.twoStage)],
    ['password check', yes(n.checkPassword)],
    ['groups', n.groups ? `containing "${n.groups.keyword}", as ${n.groups.format}` : 'none'],
    ['created', formatTime(n.createdAt)],
  ])
}
