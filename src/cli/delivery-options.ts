import type { Options } from './shared.js'

/**
 * What a command needs to send messages itself: `serve`, and `reprovision` and `queue retry`,
 * which try to deliver at once. Each has an AGENTXML_* variable too (config.ts).
 */
export const deliveryOptions = {
  'smtp-url': { type: 'string' },
  'smtp-from': { type: 'string' },
  'smtp-require-tls': { type: 'boolean' },
  'smtp-ca': { type: 'string' },
  'sms-url': { type: 'string' },
  'sms-method': { type: 'string' },
  'sms-header': { type: 'string', multiple: true },
  'sms-body': { type: 'string' },
  'message-template': { type: 'string' },
  'pin-message-template': { type: 'string' },
  'retry-delays': { type: 'string' },
  'site-id': { type: 'string' },
  'public-url': { type: 'string' },
  outbox: { type: 'string' },
} as const satisfies Options
