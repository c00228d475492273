import { readFileSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import { startAuditLog } from './audit-log.js'
import { startChores } from './chores.js'
import type { Config } from './config.js'
import { warnPlainLdap } from './domain/repositories.js'
import { startSyncSchedule } from './domain/sync-schedule.js'
import { createAuditRelay } from './logging/audit.js'
import { createLogger } from './logging/logger.js'
import { listeningOn, startWarnings } from './listening.js'
import { createMetrics } from './metrics.js'
import { startMetricsListener } from './metrics-listener.js'
import { type RadsecServer, startRadsec } from './radius/radsec.js'
import { createRadiusHandler, type RadiusServer, startRadius } from './radius/server.js'
import { deliveryOf, openServices } from './runtime.js'
import { createDeliverySource, mergedValues, overrideName, storedValues } from './transports/delivery-settings.js'
import { liveTransports } from './transports/index.js'
import { startWorker } from './transports/worker.js'

export interface RunningServer {
  readonly app: FastifyInstance
  readonly url: string
  close(): Promise<void>
}

/**
 * Load everything, listen, deliver queued messages; `close()` finishes in-flight requests first.
 * Nothing runs in the background (audit writes and purge, housekeeping, delivery, syncs) until
 * every port is ours: a port in use stops the start with the database untouched. `flagsGiven`:
 * the flags on the command line, to name what overrides a shared setting (else a variable did).
 */
export async function startServer(config: Config, flagsGiven: ReadonlySet<string> = new Set()): Promise<RunningServer> {
  const audit = createAuditRelay()
  const log = createLogger({ format: config.logFormat, level: config.logLevel, serverAddress: serverAddress(config.host), audit })
  let wake = () => {}
  // the flags' files are read now: a bad template stops the start before the database is opened
  const source = createDeliverySource(config, log)
  for (const key of source.overrides.keys()) log.info({ setting: key }, `${key}: ${overrideName(key, flagsGiven)} overrides the shared setting`)
  const opened = await openServices(config, log, { onMessageQueued: () => wake(), delivery: deliveryOf(source), flushAudit: () => audit.drain() }, { create: true, backgroundCheckpoints: true })
  const transports = liveTransports(opened, source, config.outboxFile)
  const services = config.metrics ? { ...opened, metrics: createMetrics(opened.db) } : opened
  const https = config.tls && { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) }
  const app = await buildApp({ config, services, ...(https ? { https } : {}) })
  let metricsListener: Awaited<ReturnType<typeof startMetricsListener>> | undefined
  let radius: RadiusServer | undefined
  let radsec: RadsecServer | undefined
  const stopListening = async () => {
    await app.close()
    await radius?.close()
    await radsec?.close()
    await metricsListener?.close()
  }
  try {
    await app.listen({ host: config.host, port: config.port })
    if (config.metrics && services.metrics) metricsListener = await startMetricsListener(services.metrics, config.metrics, log)
    // one handler for both listeners (it listens on nothing itself): a NAS's requests in flight are counted together
    const radiusHandler = createRadiusHandler(services)
    if (config.radius) radius = await startRadius(services, config.radius, radiusHandler)
    if (config.radsec) {
      const { host, port, certFile, keyFile, caFile } = config.radsec
      radsec = await startRadsec(services, { host, port, cert: readFileSync(certFile), key: readFileSync(keyFile), ca: readFileSync(caFile) }, radiusHandler)
    }
  } catch (err) {
    await stopListening()
    await services.store.close()
    throw err
  }
  const auditLog = startAuditLog(services, audit, { purge: true })
  await warnPlainLdap(services)
  const chores = startChores(services)
  const inUse = await transports.current()
  const labels = [...inUse].map(([name, transport]) => `${name} (${transport.label})`)
  log.info({ transports: [...inUse.keys()] }, `message transports: ${labels.join(', ')}`)
  const worker = startWorker(services, transports.source)
  wake = worker.wake
  const syncs = startSyncSchedule(services)
  const at = (a: AddressInfo) => (a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`)
  if (radius) log.info({ radius: at(radius.auth), accounting: at(radius.accounting) }, `RADIUS on ${at(radius.auth)} (UDP), accounting on ${at(radius.accounting)}`)
  if (radsec) log.info({ radsec: at(radsec.address) }, `RadSec on ${at(radsec.address)} (RADIUS over TLS)`)
  const { url, shown } = listeningOn(app.server.address() as AddressInfo, https !== undefined)
  log.info({ url }, `agentxml listening on ${shown}`)
  const values = mergedValues(storedValues(await services.store.settings(), services.keys), source.overrides)
  for (const warning of startWarnings(config, [...inUse.keys()], values)) log.warn(warning.fields, warning.message)
  let closing: Promise<void> | undefined
  // in the order they must stop: no more requests first, the database last
  const close = () =>
    (closing ??= (async () => {
      await stopListening()
      chores.stop()
      await syncs.stop()
      await worker.stop()
      transports.close()
      await auditLog.stop()
      await services.store.close()
      log.info('agentxml stopped')
      log.flush?.()
    })())
  return { app, url, close }
}

/** The address the PINsafe log format names as the server's own. */
function serverAddress(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host
  const external = Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)
  return external?.address ?? '127.0.0.1'
}
