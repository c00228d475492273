/** Rule violations the caller can fix; the CLI prints the message, actions map them to wire errors. */
export class DomainError extends Error {}

export class UserNotFound extends DomainError {
  constructor(readonly user: string) {
    super(`user "${user}" not found`)
  }
}

export class InvalidInput extends DomainError {}

export class UserExists extends DomainError {
  /** `existing`: the name the user has, when it differs from `user` only in case or normalisation. */
  constructor(
    readonly user: string,
    existing = user,
  ) {
    super(existing === user ? `user "${user}" already exists` : `user "${user}" already exists as "${existing}" (names are matched regardless of case)`)
  }
}

export class NoDestination extends DomainError {
  constructor(
    readonly user: string,
    readonly transport: string,
  ) {
    super(`user "${user}" has no ${transport === 'sms' ? 'phone number' : 'email address'} for the ${transport} transport`)
  }
}

/** A code for a user without the mobile right could never be used: provision refuses them (provisioning.ts). */
export class NoMobileRight extends DomainError {
  constructor(readonly user: string) {
    super(`user "${user}" has no mobile right: a provision code could never be used`)
  }
}

/** The user's transport cannot send from this server (no SMTP server or SMS gateway configured). */
export class TransportNotConfigured extends DomainError {
  constructor(
    readonly user: string,
    readonly transport: string,
  ) {
    super(`the ${transport} transport of user "${user}" is not configured on this server`)
  }
}
