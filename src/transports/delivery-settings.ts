import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import type { Config } from '../config.js'
import { InvalidInput } from '../domain/errors.js'
import { defaultTemplate, type MessageTemplate, parseMessageTemplate } from '../domain/provision-message.js'
import { defaultPinTemplate, parsePinTemplate } from '../domain/pin-message.js'
import type { DeliverySettings } from '../domain/services.js'
import type { Transports } from './worker.js'

/** The wording and the server's name for provision messages; `transports` when this process sends. */
export function loadDeliverySettings(config: Config, transports?: Transports): DeliverySettings {
  const template = config.messageTemplateFile === undefined ? defaultTemplate : readTemplate(config.messageTemplateFile, parseMessageTemplate)
  const pinTemplate = config.pinMessageTemplateFile === undefined ? defaultPinTemplate : readTemplate(config.pinMessageTemplateFile, parsePinTemplate)
  return Object.freeze({
    template,
    pinTemplate,
    site: siteOf(config),
    pages: pagesOf(config),
    ...(transports ? { transports: new Set(transports.keys()) } : {}),
  })
}

function readTemplate(file: string, parse: (text: string) => MessageTemplate): MessageTemplate {
  const text = readFileSync(file, 'utf8')
  try {
    return parse(text)
  } catch (err) {
    throw new InvalidInput(`${file}: ${(err as Error).message}`)
  }
}

/**
 * How the message names the server for the mobile app: the site id (the app looks it up,
 * docs/protocol.md §10), else `--public-url`, else the address this server listens on.
 */
export function siteOf(config: Config): string {
  if (config.siteId !== undefined) return config.siteId
  if (config.publicUrl !== undefined) return config.publicUrl.href.replace(/\/$/, '')
  return listening(config)
}

/** Where users reach the self-service pages (`/reset/...`): `--public-url`'s origin, else the listening address. */
export function pagesOf(config: Config): string {
  return config.publicUrl !== undefined ? config.publicUrl.origin : listening(config)
}

function listening(config: Config): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? hostname() : config.host
  const shown = host.includes(':') ? `[${host}]` : host
  return `${config.tls ? 'https' : 'http'}://${shown}:${config.port}`
}
