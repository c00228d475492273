/** Where a user can be reached: an email address, a phone number, neither. */
export interface Destinations {
  readonly email?: string | null | undefined
  readonly phone?: string | null | undefined
}

/** Whether `transport` has somewhere to send for this user (the outbox always has). */
export function reaches(transport: string, user: Destinations): boolean {
  if (transport === 'email') return Boolean(user.email)
  if (transport === 'sms') return Boolean(user.phone)
  return true
}

/**
 * The transport a user gets when nobody chose one: email when there is an address, else sms when
 * there is a phone number, else the outbox. One rule for `user add`, the console, CSV import and
 * user repositories; a repository's own transport (`preferred`) wins where it reaches the user, so
 * a directory entry with only a phone number is never given the email transport.
 */
export function defaultTransport(user: Destinations, preferred?: string): string {
  if (preferred !== undefined && reaches(preferred, user)) return preferred
  return user.email ? 'email' : user.phone ? 'sms' : 'outbox'
}
