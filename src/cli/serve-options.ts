import { deliveryOptions } from './delivery-options.js'
import type { Options } from './shared.js'

/**
 * The flags of `serve`, each with an AGENTXML_* variable (config.ts): every setting of one
 * process, so also every key a --config file may hold (config-option.ts).
 */
export const serveOptions = {
  host: { type: 'string' },
  port: { type: 'string' },
  'log-format': { type: 'string' },
  'log-level': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'trust-proxy': { type: 'string' },
  'request-timeout': { type: 'string' },
  'proxy-body-limit': { type: 'string' },
  'max-elements': { type: 'string' },
  'node-name': { type: 'string' },
  metrics: { type: 'string' },
  'metrics-token-file': { type: 'string' },
  radius: { type: 'string' },
  radsec: { type: 'string' },
  'radsec-cert': { type: 'string' },
  'radsec-key': { type: 'string' },
  'radsec-ca': { type: 'string' },
  ...deliveryOptions,
} as const satisfies Options
