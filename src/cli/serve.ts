import { serveOptions } from './serve-options.js'
import { CliError, type Command, configFrom, dbHelp, openingDatabase, parse } from './shared.js'
import { checkRadsecFiles, checkTlsFiles } from './tls.js'

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
  --trust-proxy PROXIES     the reverse proxies to believe about X-Forwarded-For: addresses/CIDRs
                            (10.0.0.2,10.1.0.0/16) or a hop count (1); AGENTXML_TRUST_PROXY, default none
  --request-timeout SECONDS time to send a whole request, 1 to 3600 (default 30)
  --proxy-body-limit BYTES  the largest body on the public /proxy context, 512 to 65536 (default 4096)
  --max-elements N          the most elements and attributes an AgentXML request may hold (default 64)
  --node-name NAME          this node's name in audit rows (AGENTXML_NODE_NAME, default the host name)
  --metrics [HOST:]PORT     GET /metrics (Prometheus) on a listener of its own, never the server's
                            port; HOST defaults to 127.0.0.1 (AGENTXML_METRICS; off unless given)
  --metrics-token-file FILE scrapes must send Authorization: Bearer <the file's token>
                            (AGENTXML_METRICS_TOKEN_FILE; wanted when HOST is not the loopback)
  --radius [HOST:]PORT      answer RADIUS (UDP) on PORT and accounting on PORT+1, for the NASes of
                            \`agentxml nas\` (AGENTXML_RADIUS; off unless given; 1812 is the usual port)
  --radsec [HOST:]PORT      answer RADIUS over TLS (RadSec, RFC 6614) on PORT, every packet type on
                            the one port, with the fixed secret "radsec" (AGENTXML_RADSEC; off unless
                            given; 2083 is the usual port); a NAS is known by its client certificate
                            and by the network of \`agentxml nas\` that holds its address
  --radsec-ca FILE          the CA (PEM) that signed the NASes' client certificates, the only one
                            trusted (AGENTXML_RADSEC_CA; required with --radsec)
  --radsec-cert FILE --radsec-key FILE   the server's certificate and key, PEM (AGENTXML_RADSEC_CERT,
                            AGENTXML_RADSEC_KEY; default --tls-cert and --tls-key)

Delivery of provision codes: each of these overrides, for this process, the shared setting of the
same name (agentxml settings), which every node and command uses; start-up logs each override.
  --smtp-url URL --smtp-from ADDR [--smtp-require-tls] [--smtp-ca FILE]
  --sms-url URL [--sms-method M] [--sms-header 'N: V']... [--sms-body TEMPLATE]
  --outbox FILE             the outbox transport's file (default outbox.jsonl beside the database)
  --message-template FILE   the wording of provision messages
  --pin-message-template FILE  the wording of the message that sends a user their PIN
  --retry-delays SECONDS,...  waits before each retry of a failed delivery

Every setting may also come from a file, --config FILE (AGENTXML_CONFIG): TOML, one key per flag
by its long name (port = 8080, tls-cert = "cert.pem", smtp-require-tls = true, sms-header =
["N: V"]), paths relative to the file's folder (all keys: docs/agentxml.example.toml). Each
setting is taken from the first that has it: the flag, its AGENTXML_* variable, the file, the
default.

The master key is --key-file FILE (AGENTXML_KEY_FILE; for SQLite by default agentxml.key beside the
database, made with a new database) or AGENTXML_SECRET_KEY (64 hex). PostgreSQL needs one of them,
the same on every node: none is ever made for it.
${dbHelp}
`

const listenProblems: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the address is in use',
  EACCES: 'permission denied (a port below 1024 needs root or CAP_NET_BIND_SERVICE)',
  EADDRNOTAVAIL: 'no interface of this machine has that address',
}

/** A port that cannot be had (the server's, RADIUS's, the metrics'): one line naming it, not node's message. */
function cannotListen(err: unknown): never {
  const { code, address, port } = err as NodeJS.ErrnoException & { address?: string; port?: number }
  const problem = listenProblems[code ?? '']
  if (problem === undefined || address === undefined) throw err
  throw new CliError(`cannot listen on ${address.includes(':') ? `[${address}]` : address}${port === undefined ? '' : `:${port}`}: ${problem}`)
}

/** How long after the first stop signal a second one is taken for its echo. */
const signalEchoMs = 2_000

export const serve: Command = {
  name: 'serve',
  usage,
  async run(args, io) {
    const { values } = parse(args, serveOptions)
    const config = configFrom(values, io)
    checkTlsFiles(config.tls)
    checkRadsecFiles(config.radsec)
    // loaded here, not at the top: the other commands start faster without the HTTP stack
    const { startServer } = await import('../server.js')
    const given = new Set(Object.keys(values).filter((key) => values[key as keyof typeof values] !== undefined))
    const server = await openingDatabase(config, () => startServer(config, given).catch(cannotListen))
    // Ctrl-C under `npm start` signals twice (the terminal's, and npm's own forward of it):
    // repeats within a moment are that echo and change nothing; one after it stops at once
    let stoppingSince: number | undefined
    const stop = () => {
      if (stoppingSince === undefined) {
        stoppingSince = Date.now()
        void server.close().then(() => process.exit(0))
      } else if (Date.now() - stoppingSince > signalEchoMs) {
        process.exit(1)
      }
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  },
}
