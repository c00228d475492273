/** Rule violations the caller can fix; the CLI prints the message, actions map them to wire errors. */
export class DomainError extends Error {}

export class UserNotFound extends DomainError {
  constructor(readonly user: string) {
    super(`user "${user}" not found`)
  }
}

export class InvalidInput extends DomainError {}

export class UserExists extends DomainError {
  constructor(readonly user: string) {
    super(`user "${user}" already exists`)
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
