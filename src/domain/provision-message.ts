import { InvalidInput } from './errors.js'

/** A provision message's wording; `{name}` placeholders are filled per message. */
export interface MessageTemplate {
  readonly subject: string
  readonly body: string
}

export interface ProvisionMessageInput {
  readonly user: string
  readonly code: string
  /** Seconds. */
  readonly validity: number
  readonly expiresAt: number
  /** The server's site id or address, for the mobile app (docs/protocol.md §10). */
  readonly site: string
}

export interface ProvisionMessage {
  readonly subject: string
  readonly body: string
}

export const placeholders = ['user', 'code', 'validity', 'expires', 'site'] as const

/** Short enough for one or two SMS; an administrator can replace it (`--message-template`). */
export const defaultTemplateText = `Subject: Your mobile provision code

Your provision code for {user} is {code}
Enter it in the mobile app within {validity}; it works once.
Server: {site}
`

const placeholder = /\{([A-Za-z][A-Za-z0-9_-]*)\}/g

/** What a kind of message's template may hold: its placeholders, and the one secret it must carry. */
export interface TemplateRules {
  readonly placeholders: readonly string[]
  /** The placeholder the body must contain and the subject must not (it is stored in clear in the queue). */
  readonly secret: string
  readonly defaultSubject: string
}

const provisionRules: TemplateRules = { placeholders, secret: 'code', defaultSubject: 'Your mobile provision code' }

/**
 * Read a template: an optional first line `Subject: ...` and a blank line, then the body. A
 * mistyped placeholder is refused here, at start-up, not discovered in a user's inbox.
 */
export function parseTemplate(text: string, rules: TemplateRules): MessageTemplate {
  const normalised = text.replace(/\r\n?/g, '\n')
  const header = /^Subject:[ \t]*(.*)\n(?:[ \t]*\n)?/i.exec(normalised)
  const subject = header ? (header[1] ?? '').trim() : rules.defaultSubject
  const body = (header ? normalised.slice(header[0].length) : normalised).replace(/\s+$/, '')
  for (const [, name] of `${subject}\n${body}`.matchAll(placeholder)) {
    if (!rules.placeholders.includes(name ?? '')) {
      throw new InvalidInput(`message template: unknown placeholder {${name}}; known: ${rules.placeholders.map((p) => `{${p}}`).join(' ')}`)
    }
  }
  const secret = `{${rules.secret}}`
  if (!body.includes(secret)) throw new InvalidInput(`message template: the body must contain ${secret}`)
  // the subject is stored in clear in the queue and shown in mail listings; the secret is not
  if (subject.includes(secret)) throw new InvalidInput(`message template: ${secret} may appear in the body only`)
  if (subject === '' || /[\r\n]/.test(subject)) throw new InvalidInput('message template: the subject must be one non-empty line')
  return Object.freeze({ subject, body })
}

/** A provision message's template (`--message-template`). */
export const parseMessageTemplate = (text: string): MessageTemplate => parseTemplate(text, provisionRules)

/** The template with its placeholders filled; a value cannot add lines to the subject (it becomes a mail header). */
export function fillTemplate(template: MessageTemplate, values: Readonly<Record<string, string>>): ProvisionMessage {
  const fill = (text: string) => text.replace(placeholder, (whole, name: string) => (Object.hasOwn(values, name) ? (values[name] ?? '') : whole))
  return { subject: fill(template.subject).replace(/[\r\n]+/g, ' '), body: fill(template.body) }
}

export const defaultTemplate = parseMessageTemplate(defaultTemplateText)

export function provisionMessage(template: MessageTemplate, input: ProvisionMessageInput): ProvisionMessage {
  return fillTemplate(template, {
    user: input.user,
    code: input.code,
    validity: describeDuration(input.validity),
    expires: new Date(input.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    site: input.site,
  })
}

export function describeDuration(seconds: number): string {
  const units: [number, string][] = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ]
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) return plural(seconds / size, name)
  }
  return plural(seconds, 'second')
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`
