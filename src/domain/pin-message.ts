import { type MessageTemplate, parseTemplate, type TemplateRules } from './provision-message.js'

/**
 * The PIN lifecycle's messages (docs/operations.md "PINs"): a user's PIN, sent when it is made
 * for them (`--pin-message-template` replaces its wording), a self-service reset code, and the
 * reminder that a PIN expires. Each is queued by the user's own transport, sealed at rest.
 */
export const pinPlaceholders = ['user', 'pin', 'site', 'change'] as const

export const pinRules: TemplateRules = { placeholders: pinPlaceholders, secret: 'pin', defaultSubject: 'Your PIN' }

/** Short enough for one SMS; `{change}` is the page where the user picks a PIN of their own. */
export const defaultPinTemplateText = `Subject: Your PIN

Your PIN for {user} is {pin}
Use it with the security strings of the mobile app. Change it at {change}
Server: {site}
`

export const defaultPinTemplate = parseTemplate(defaultPinTemplateText, pinRules)

export const parsePinTemplate = (text: string): MessageTemplate => parseTemplate(text, pinRules)

export const pinResetTemplate = parseTemplate(
  `Subject: Your PIN reset code

Your PIN reset code for {user} is {code}
Enter it within {validity} at {reset}; it works once. If you did not ask for it, ignore this message: your PIN is unchanged.
`,
  { placeholders: ['user', 'code', 'validity', 'reset'], secret: 'code', defaultSubject: 'Your PIN reset code' },
)

export const pinExpiryTemplate = parseTemplate(
  `Subject: Your PIN expires soon

The PIN of {user} expires on {expires}. Choose a new one at {change} before then.
`,
  { placeholders: ['user', 'expires', 'change'], secret: 'change', defaultSubject: 'Your PIN expires soon' },
)
