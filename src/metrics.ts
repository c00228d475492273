import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { countUnsentMessages } from './db/repositories/messages.js'
import type { Db } from './db/index.js'

/**
 * What the server counts for Prometheus (`GET /metrics`, text format, on the listener of
 * metrics-listener.ts only): requests by action and result with their latency, deliveries,
 * lockouts, the queue's depth and the process's own figures. The one user of prom-client; the
 * rest of the code calls these functions.
 */
export interface Metrics {
  readonly registry: Registry
  /** One AgentXML (or AdminXML, TokenIndex) exchange: `error` is the catalogued code of a FAIL, '' otherwise. */
  request(action: string, result: 'PASS' | 'FAIL', error: string, seconds: number): void
  delivery(transport: string, outcome: string): void
  lockout(): void
  /** One RADIUS request answered: `nas` is an administrator's NAS name, `outcome` the login's. */
  radius(nas: string, outcome: string, seconds: number): void
  /** One RADIUS packet dropped, by one of a few fixed reasons. */
  radiusDropped(reason: string): void
}

/** Actions are the protocol's few names; anything else a client sends is counted as "unknown". */
const knownActions = new Set(['ping', 'provision', 'securitystrings', 'reprovision', 'login', 'adminxml', 'tokenindex'])

/** The queue's depth is read from the database at most this often, however often it is scraped. */
export const queueDepthMaxAgeMs = 15_000

const unsentStatuses = ['queued', 'sending', 'failed'] as const

export function createMetrics(db: Db, { now = Date.now }: { now?: () => number } = {}): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'agentxml_' })
  const requests = new Counter({
    name: 'agentxml_requests_total',
    help: 'AgentXML, AdminXML and TokenIndex requests answered, by action, result and error code',
    labelNames: ['action', 'result', 'error'],
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'agentxml_request_duration_seconds',
    help: 'Time from a parsed request to its reply, by action',
    labelNames: ['action'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  const deliveries = new Counter({
    name: 'agentxml_deliveries_total',
    help: 'Attempts to deliver a queued message, by transport and outcome (sent, retry, failed, lost)',
    labelNames: ['transport', 'outcome'],
    registers: [registry],
  })
  const lockouts = new Counter({
    name: 'agentxml_lockouts_total',
    help: 'Users locked by reaching the maximum login tries',
    registers: [registry],
  })
  const radiusRequests = new Counter({
    name: 'agentxml_radius_requests_total',
    help: 'RADIUS Access-Requests answered, by NAS and login outcome',
    labelNames: ['nas', 'outcome'],
    registers: [registry],
  })
  const radiusLatency = new Histogram({
    name: 'agentxml_radius_request_duration_seconds',
    help: 'Time from a RADIUS Access-Request to its reply (before any failure delay)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  const radiusDrops = new Counter({
    name: 'agentxml_radius_dropped_total',
    help: 'RADIUS packets dropped without a reply, by reason',
    labelNames: ['reason'],
    registers: [registry],
  })
  const queueDepth = readAtMostEvery(queueDepthMaxAgeMs, now, () => countUnsentMessages(db))
  new Gauge({
    name: 'agentxml_queue_messages',
    help: `Messages queued, being sent or failed, by status (all nodes; read from the database at most every ${queueDepthMaxAgeMs / 1000} s)`,
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await queueDepth()
      for (const status of unsentStatuses) this.set({ status }, counts.find((row) => row.status === status)?.count ?? 0)
    },
  })
  return {
    registry,
    request(action, result, error, seconds) {
      const name = action.toLowerCase()
      const label = knownActions.has(name) ? name : 'unknown'
      requests.inc({ action: label, result, error })
      latency.observe({ action: label }, seconds)
    },
    delivery: (transport, outcome) => deliveries.inc({ transport, outcome }),
    lockout: () => lockouts.inc(),
    radius(nas, outcome, seconds) {
      radiusRequests.inc({ nas, outcome })
      radiusLatency.observe(seconds)
    },
    radiusDropped: (reason) => radiusDrops.inc({ reason }),
  }
}

/**
 * `read`'s last answer while it is younger than `maxAgeMs`: a burst of scrapes costs one query,
 * and scrapes at once share the one in flight. A failed read is not kept.
 */
function readAtMostEvery<T>(maxAgeMs: number, now: () => number, read: () => Promise<T>): () => Promise<T> {
  let last: { readonly at: number; readonly value: Promise<T> } | undefined
  return () => {
    if (last && now() - last.at < maxAgeMs) return last.value
    const entry = { at: now(), value: read() }
    last = entry
    entry.value.catch(() => {
      if (last === entry) last = undefined
    })
    return entry.value
  }
}
