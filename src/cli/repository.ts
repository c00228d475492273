import { readFileSync } from 'node:fs'
import type { RepositoryPreset } from '../db/schema/index.js'
import { syncRepository } from '../domain/directory-sync.js'
import {
  addRepository,
  BindPasswordNeeded,
  changeRepository,
  describeRepository,
  plainLdapOf,
  PlainLdapRefused,
  removeRepository,
  repositoryList,
  type RepositorySettings,
} from '../domain/repositories.js'
import { AlreadyReported, CliError, type Command, dbHelp, formatTime, type Io, parse, positional, print, table, UsageError, withServices } from './shared.js'

const options = {
  type: { type: 'string' },
  preset: { type: 'string' },
  url: { type: 'string' },
  'start-tls': { type: 'boolean' },
  'no-start-tls': { type: 'boolean' },
  'allow-plain-ldap': { type: 'boolean' },
  ca: { type: 'string' },
  'bind-dn': { type: 'string' },
  'bind-password-file': { type: 'string' },
  'base-dn': { type: 'string' },
  filter: { type: 'string' },
  'username-attr': { type: 'string' },
  'email-attr': { type: 'string' },
  'phone-attr': { type: 'string' },
  group: { type: 'string', multiple: true },
  'no-groups': { type: 'boolean' },
  'mobile-group': { type: 'string' },
  transport: { type: 'string' },
  interval: { type: 'string' },
  'grace-days': { type: 'string' },
  'max-removal': { type: 'string' },
  'dry-run': { type: 'boolean' },
  force: { type: 'boolean' },
  'keep-users': { type: 'boolean' },
  'delete-users': { type: 'boolean' },
} as const

type Values = ReturnType<typeof parse<typeof options>>['values']

function number(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined
  if (!/^\d{1,9}$/.test(text)) throw new UsageError(`${flag} takes a whole number, not "${text}"`)
  return Number(text)
}

function readFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    throw new CliError(`cannot read the ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
  }
}

/** The bind password: from its file (one trailing newline dropped), else AGENTXML_BIND_PASSWORD. Never from argv, which ps shows. */
function bindPassword(values: Values, io: Io): string | undefined {
  const file = values['bind-password-file']
  if (file !== undefined) return readFile(file, 'bind password file').replace(/\r?\n$/, '')
  return io.env.AGENTXML_BIND_PASSWORD
}

function settingsOf(values: Values, io: Io): RepositorySettings {
  if (values.type !== undefined && values.type !== 'ldap') throw new UsageError(`--type must be ldap, not "${values.type}"`)
  if (values['start-tls'] && values['no-start-tls']) throw new UsageError('--start-tls and --no-start-tls together')
  if (values.group && values['no-groups']) throw new UsageError('--group and --no-groups together')
  return {
    preset: values.preset as RepositoryPreset | undefined,
    url: values.url,
    startTls: values['start-tls'] ? true : values['no-start-tls'] ? false : undefined,
    allowPlainLdap: values['allow-plain-ldap'] ? true : undefined,
    caPem: values.ca === undefined ? undefined : values.ca === '' ? '' : readFile(values.ca, 'CA file'),
    bindDn: values['bind-dn'],
    bindPassword: bindPassword(values, io),
    baseDn: values['base-dn'],
    filter: values.filter,
    usernameAttr: values['username-attr'],
    emailAttr: values['email-attr'],
    phoneAttr: values['phone-attr'],
    groups: values['no-groups'] ? [] : values.group,
    mobileGroup: values['mobile-group'],
    transport: values.transport,
    intervalMinutes: number(values.interval, '--interval'),
    graceDays: number(values['grace-days'], '--grace-days'),
    maxRemovalPercent: number(values['max-removal'], '--max-removal'),
  }
}

/** The domain's refusals of settings in the command's words: the options that answer them. */
function inCommandWords(err: unknown): unknown {
  if (err instanceof BindPasswordNeeded) return new CliError(`${err.message}: --bind-password-file FILE or AGENTXML_BIND_PASSWORD`)
  if (err instanceof PlainLdapRefused) return new CliError(`${err.message}: use ldaps:// or --start-tls, or accept it with --allow-plain-ldap`)
  return err
}

const usage = `Usage: agentxml repository <command> ...

User repositories: LDAP directories (Active Directory, OpenLDAP) whose entries become users,
synchronised by the server on each repository's interval and on demand.

  repository add NAME --type ldap --url ldap[s]://HOST[:PORT] [--start-tls] [--ca FILE]
        [--allow-plain-ldap] --bind-dn DN [--bind-password-file FILE] --base-dn DN
        [--preset ad|openldap] [--filter F] [--username-attr A] [--email-attr A]
        [--phone-attr A] [--group DN]... [--mobile-group DN] [--transport outbox|email|sms]
        [--interval MINUTES] [--grace-days N] [--max-removal PERCENT]
  repository set NAME [the options of add]
  repository list
  repository show NAME
  repository delete NAME [--keep-users | --delete-users]
  repository sync NAME [--dry-run] [--force]

The bind password comes from --bind-password-file or AGENTXML_BIND_PASSWORD, never from the
command line; it is sealed with the master key and never shown. A set that changes --url,
--start-tls, --ca or --bind-dn needs it again. An ldap:// URL without --start-tls sends it
and the passwords checked at login in clear: it is refused unless --allow-plain-ldap is given,
and the server warns of it at every start. A sync that would remove more than
--max-removal percent of a repository's users stops and changes nothing (--force syncs
anyway); a removed entry's user is kept for --grace-days before it is deleted.
${dbHelp}
`

export const repository: Command = {
  name: 'repository',
  usage,
  verbs: ['add', 'set', 'list', 'show', 'delete', 'sync'],
  run: repositoryCommand,
}

async function repositoryCommand(args: readonly string[], io: Io): Promise<void> {
  const [verb, ...rest] = args
  const { values, positionals } = parse(rest, options)
  await withServices(values, io, async (services) => {
    const name = () => positional(positionals, 0, 'repository name')
    switch (verb) {
      // add, set, delete and sync log what they did: those lines are the command's output
      case 'add':
        return addRepository(services, { ...settingsOf(values, io), name: name() }).catch((err: unknown) => {
          throw inCommandWords(err)
        })
      case 'set':
        return changeRepository(services, name(), settingsOf(values, io)).catch((err: unknown) => {
          throw inCommandWords(err)
        })
      case 'list': {
        const rows = (await repositoryList(services)).map(({ repository: r, users, runs }) => {
          const last = runs[0]
          return [r.name, r.url, String(users.total), last ? `${last.status} ${formatTime(last.started_at)}` : 'never', r.interval_minutes ? `${r.interval_minutes} min` : 'on demand']
        })
        return print(io, table([['NAME', 'URL', 'USERS', 'LAST SYNC', 'INTERVAL'], ...rows]))
      }
      case 'show':
        return print(io, await show(services, name()))
      case 'delete': {
        if (values['keep-users'] && values['delete-users']) throw new UsageError('--keep-users and --delete-users together')
        const users = values['keep-users'] ? 'keep' : values['delete-users'] ? 'delete' : undefined
        return void (await removeRepository(services, name(), users))
      }
      case 'sync': {
        const report = await syncRepository(services, name(), { trigger: 'command', dryRun: values['dry-run'] === true, force: values.force === true })
        if (report.status !== 'ok') throw new AlreadyReported(report.error ?? `synchronisation ${report.status}`)
        return
      }
      default:
        throw new UsageError(`unknown repository command "${verb ?? ''}"`)
    }
  })
}

const plainNote = { allowed: ' (plain LDAP, allowed: passwords cross the network in clear)', refused: ' (plain LDAP, not allowed: not used until it has TLS or --allow-plain-ldap)', none: '' }

async function show(services: Parameters<typeof describeRepository>[0], name: string): Promise<string> {
  const { repository: r, users, runs } = await describeRepository(services, name)
  const last = runs[0]
  const lines: [string, string][] = [
    ['name', r.name],
    ['type', `${r.type} (${r.preset === 'ad' ? 'Active Directory' : 'OpenLDAP'} attribute names)`],
    ['url', `${r.url}${r.start_tls ? ' with StartTLS' : ''}${plainNote[plainLdapOf(r) ?? 'none']}`],
    ['CA', r.ca_pem ? 'own certificate' : 'system'],
    ['bind DN', r.bind_dn],
    ['bind password', 'set (sealed)'],
    ['base DN', r.base_dn],
    ['filter', r.filter],
    ['attributes', `name ${r.username_attr}, email ${r.email_attr}, phone ${r.phone_attr}`],
    ['groups', (JSON.parse(r.groups) as string[]).join('; ') || 'any entry'],
    ['mobile group', r.mobile_group ?? 'none (every user may use the mobile client)'],
    ['new users', `transport ${r.user_transport} where it reaches them, else email, sms or outbox by what the entry has`],
    ['interval', r.interval_minutes ? `${r.interval_minutes} minutes` : 'on demand only'],
    ['removal', `kept ${r.grace_days} days after leaving the directory; a sync removing over ${r.max_removal_percent}% stops`],
    ['users', `${users.total}${users.removed ? ` (${users.removed} marked removed)` : ''}`],
    ['last sync', last ? `${last.status}${last.dry_run ? ' (dry run)' : ''} ${formatTime(last.started_at)}` : 'never'],
  ]
  if (last) {
    lines.push(['last counts', `${last.entries} entries, ${last.added} added, ${last.updated} updated, ${last.removed} marked removed, ${last.restored} restored, ${last.deleted} deleted, ${last.conflicts} not synchronised`])
    // an ok run's error is a warning (a sync that found no entries)
    if (last.error) lines.push([last.status === 'ok' ? 'last warning' : 'last error', last.error])
  }
  return table(lines)
}
