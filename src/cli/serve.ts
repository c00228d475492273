import { deliveryOptions } from './delivery-options.js'
import { checkDatabaseFile, type Command, configFrom, dbHelp, openingDatabase, parse } from './shared.js'
import { checkTlsFiles } from './tls.js'

const usage = `Usage: agentxml serve [options]

Runs the server: AgentXML, AdminXML, the admin console (/admin), the self-service page and
the delivery of queued messages. Stops cleanly on SIGINT and SIGTERM.

  --host H                  listen address (AGENTXML_HOST, default 127.0.0.1)
  --port P                  port, 0 for any free one (AGENTXML_PORT, default 8080)
  --log-format json|pinsafe one JSON object a line, or PINsafe syslog lines (AGENTXML_LOG_FORMAT)
  --log-level LEVEL         fatal, error, warn, info, debug, trace or silent (AGENTXML_LOG_LEVEL, default info)
  --tls-cert FILE --tls-key FILE   serve HTTPS with these PEM files (AGENTXML_TLS_CERT, AGENTXML_TLS_KEY)
  --site-id ID              answer the site lookup with this id (AGENTXML_SITE_ID)
  --public-url URL          the address mobile clients reach (AGENTXML_PUBLIC_URL)
  --trust-proxy             take the client address from X-Forwarded-For (AGENTXML_TRUST_PROXY=yes)
  --request-timeout SECONDS time to send a whole request, 1 to 3600 (default 30)

Delivery of provision codes:
  --smtp-url URL --smtp-from ADDR [--smtp-require-tls] [--smtp-ca FILE]
  --sms-url URL [--sms-method M] [--sms-header 'N: V']... [--sms-body TEMPLATE]
  --outbox FILE             the outbox transport's file (default outbox.jsonl beside the database)
  --message-template FILE   the wording of provision messages
  --retry-delays SECONDS,...  waits before each retry of a failed delivery

The master key is the file agentxml.key beside the database, or AGENTXML_SECRET_KEY (64 hex).
${dbHelp}
`

export const serve: Command = {
  name: 'serve',
  summary: 'run the server (AgentXML, AdminXML, the console, the self-service page)',
  usage,
  async run(args, io) {
    const { values } = parse(args, {
      host: { type: 'string' },
      port: { type: 'string' },
      'log-format': { type: 'string' },
      'log-level': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      'request-timeout': { type: 'string' },
      ...deliveryOptions,
    })
    const config = configFrom(values, io)
    checkTlsFiles(config.tls)
    checkDatabaseFile(config)
    // loaded here, not at the top: the other commands start faster without the HTTP stack
    const { startServer } = await import('../server.js')
    const server = await openingDatabase(config, () => startServer(config))
    const stop = () => {
      void server.close().then(() => process.exit(0))
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  },
}
