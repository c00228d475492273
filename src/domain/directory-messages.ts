/**
 * What user repositories and their synchronisation write to the log (and so to the audit log),
 * in the style of the legacy texts (docs/protocol.md §8). Never a password: not the bind password, not a user's.
 */
export const directoryMessages = {
  repositoryAdded: (repository: string) => `User repository "${repository}" added`,
  repositoryChanged: (repository: string, what: string) => `User repository "${repository}" changed: ${what}`,
  repositoryDeleted: (repository: string, users: string) => `User repository "${repository}" deleted; its users ${users}`,
  plainLdapAllowed: (repository: string, url: string) =>
    `User repository "${repository}" uses plain LDAP (${url} without StartTLS): its bind password and the passwords checked at login cross the network in clear`,
  plainLdapRefused: (repository: string, url: string) =>
    `User repository "${repository}" uses plain LDAP (${url} without StartTLS) and is not used: give it StartTLS or an ldaps:// URL, or allow plain LDAP (repository set ${repository} --allow-plain-ldap)`,
  syncStarted: (repository: string) => `Synchronisation of user repository "${repository}" started`,
  syncFinished: (repository: string, counts: string) => `Synchronisation of user repository "${repository}" finished: ${counts}`,
  syncFailed: (repository: string, reason: string) =>
    `Synchronisation of user repository "${repository}" failed, nothing was changed, error: ${reason}`,
  syncStopped: (repository: string, removed: number, active: number, percent: number) =>
    `Synchronisation of user repository "${repository}" stopped: it would remove ${removed} of its ${active} users ` +
    `(more than ${percent}%); nothing was changed. Check the filter and the directory, or sync with --force`,
  syncEmpty: (repository: string, base: string, filter: string, hint: string) =>
    `Synchronisation of user repository "${repository}" found no entries under ${base} matching ${filter}: ${hint}`,
  syncConflict: (repository: string, user: string, reason: string) =>
    `User repository "${repository}": user "${user}" not synchronised: ${reason}`,
  userRemoved: (repository: string, user: string, days: number) =>
    `User "${user}" marked removed: no longer in user repository "${repository}"; deleted after ${days} days unless the entry returns`,
  userRestored: (repository: string, user: string) => `User "${user}" is back in user repository "${repository}"`,
  userDeleted: (repository: string, user: string) => `User "${user}" deleted: removed from user repository "${repository}" past the grace period`,
  usersImported: (file: string, counts: string) => `Users imported from ${file}: ${counts}`,
} as const
