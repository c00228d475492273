import { readFileSync } from 'node:fs'
import type { Config } from '../config.js'
import { emailTransport } from './email.js'
import { outboxTransport } from './outbox.js'
import { parseSmsGateway, parseSmtpUrl } from './settings.js'
import { smsTransport } from './sms.js'
import type { Transport } from './transport.js'
import type { Transports } from './worker.js'

/** The transports this configuration can deliver with, by name (config.ts has checked the settings). */
export function createTransports(config: Config): Transports {
  const transports = new Map<string, Transport>([['outbox', outboxTransport(config.outboxFile)]])
  if (config.smtpUrl !== undefined && config.smtpFrom !== undefined) {
    const ca = config.smtpCaFile === undefined ? undefined : readFileSync(config.smtpCaFile, 'utf8')
    transports.set('email', emailTransport({ server: parseSmtpUrl(config.smtpUrl), from: config.smtpFrom, requireTls: config.smtpRequireTls, ca }))
  }
  if (config.smsUrl !== undefined) {
    const gateway = parseSmsGateway({ url: config.smsUrl, method: config.smsMethod, headers: config.smsHeaders, body: config.smsBody })
    transports.set('sms', smsTransport(gateway))
  }
  return transports
}

/** Let go of open connections (command end, server stop). */
export function closeTransports(transports: Transports): void {
  for (const transport of transports.values()) transport.close?.()
}
