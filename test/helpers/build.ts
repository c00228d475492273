import type { FastifyInstance, InjectOptions } from 'fastify'
import { buildApp } from '../../src/app.js'
import { startAuditLog } from '../../src/audit-log.js'
import { type Config, loadConfig } from '../../src/config.js'
import type { Services } from '../../src/domain/services.js'
import { createAuditRelay } from '../../src/logging/audit.js'
import { createLogger } from '../../src/logging/logger.js'
import { deliveryOf } from '../../src/runtime.js'
import { deriveKeys, keyCheck } from '../../src/secrets.js'
import { createDeliverySource } from '../../src/transports/delivery-settings.js'
import { openTestDatabase } from './database.js'

/** A fixed master key for tests; never used outside them. */
export const testKey = Buffer.alloc(32, 7)

export interface LogRecord {
  level: number
  msg: string
  event?: string
  user?: string
  agent?: string
  ip?: string
  reason?: string
  [field: string]: unknown
}

export interface Clock {
  now(): number
  advance(ms: number): void
}

export interface Built {
  readonly app: FastifyInstance
  readonly services: Services
  readonly config: Config
  /** Every log record written, parsed. */
  readonly logs: LogRecord[]
  /** Every raw log line written, for greps. */
  readonly lines: string[]
  readonly clock: Clock
  /** Where the database is: ':memory:' on SQLite, a PostgreSQL URL another node may open. */
  readonly target: string
}

interface Tap {
  teardown(fn: () => unknown): void
}

export interface BuildOptions {
  readonly flags?: Record<string, string | boolean>
  readonly extra?: Partial<Services>
  /** Read delivery and site settings as a server does: the shared settings under the flags (runtime.ts). */
  readonly sharedSettings?: boolean
}

/**
 * The app on a fresh database (in memory, or a new PostgreSQL schema with
 * AGENTXML_TEST_ENGINE=postgres) with a fixed key, a settable clock and captured logs.
 */
export async function build(t: Tap, options: BuildOptions = {}): Promise<Built> {
  const logs: LogRecord[] = []
  const lines: string[] = []
  // event records also reach the audit table, as in the server
  const audit = createAuditRelay()
  const log = createLogger({
    format: 'json',
    level: 'debug',
    audit,
    destination: {
      write(line: string) {
        lines.push(line)
        logs.push(JSON.parse(line) as LogRecord)
      },
    },
  })
  let time = Date.parse('2026-11-28T12:00:00Z')
  const clock: Clock = { now: () => time, advance: (ms) => (time += ms) }
  const config = loadConfig({ db: ':memory:', outbox: '/dev/null', ...options.flags }, {})
  const keys = deriveKeys(testKey)
  const { db, store, target } = await openTestDatabase({ keyCheck: keyCheck(keys) })
  const services: Services = {
    db,
    store,
    keys,
    log,
    now: clock.now,
    node: 'test-node',
    flushAudit: () => audit.drain(),
    ...(options.sharedSettings ? { delivery: deliveryOf(createDeliverySource(config, log)) } : {}),
    ...options.extra,
  }
  const auditLog = startAuditLog(services, audit, { purge: false })
  const app = await buildApp({ config, services })
  t.teardown(async () => {
    await app.close()
    await auditLog.stop()
    await store.close()
  })
  return { app, services, config, logs, lines, clock, target }
}

/** POST an AgentXML document; `path` defaults to the agent context. */
export async function post(app: FastifyInstance, xml: string | Buffer, path = '/pinsafe/AgentXML', extra: Partial<InjectOptions> = {}) {
  return app.inject({ method: 'POST', url: path, headers: { 'content-type': 'text/xml' }, payload: xml, ...extra })
}

/** The text of the first `<name>` element of a reply, or undefined. */
export function element(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)
  return match?.[1]
}

export const sasRequest = (body: string) => `<SASRequest><Version>3.6</Version>${body}</SASRequest>`
