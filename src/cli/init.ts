import { configFrom, type Io, parse, print, withServices } from './shared.js'

/**
 * Make the database, up to date, and (for a new SQLite file) its key file. Every other command
 * except `serve` refuses a database that does not exist, so a mistyped `--db` cannot quietly
 * start a new one; `init` is how a script sets one up before the server first runs.
 */
export async function init(args: readonly string[], io: Io): Promise<void> {
  const { values } = parse(args, { 'node-name': { type: 'string' } })
  const config = configFrom(values, io)
  await withServices(values, io, async () => undefined, { create: true })
  const key = config.secretKey !== undefined ? 'AGENTXML_SECRET_KEY' : config.keyFile
  print(io, `database ready: ${config.engine === 'postgres' ? 'PostgreSQL' : config.db}, master key from ${key}`)
}
