import { startServer } from '../server.js'
import { deliveryOptions } from './delivery-options.js'
import { configFrom, type Io, parse } from './shared.js'

export async function serve(args: readonly string[], io: Io): Promise<void> {
  const { values } = parse(args, {
    host: { type: 'string' },
    port: { type: 'string' },
    'log-format': { type: 'string' },
    'log-level': { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'trust-proxy': { type: 'string' },
    'request-timeout': { type: 'string' },
    'node-name': { type: 'string' },
    'proxy-body-limit': { type: 'string' },
    'max-elements': { type: 'string' },
    ...deliveryOptions,
  })
  const server = await startServer(configFrom(values, io))
  const stop = () => {
    void server.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
