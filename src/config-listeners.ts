import { readFileSync } from 'node:fs'
import { ConfigError, type Config, type Flags, type Radsec } from './config.js'

// The listeners beside the HTTP port: metrics, RADIUS and RadSec, each `[HOST:]PORT` or off.

export function parseMetrics(text: string | undefined, tokenFile: string | undefined): Config['metrics'] {
  if (text === undefined || text === 'off') {
    if (tokenFile !== undefined) throw new ConfigError('--metrics-token-file needs --metrics [HOST:]PORT')
    return undefined
  }
  // `on` once served them on the public port, where anyone could read what the uniform replies hide
  if (text === 'on') throw new ConfigError('--metrics on is gone: metrics have a listener of their own, --metrics [HOST:]PORT (127.0.0.1:9464)')
  const match = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:]+)):)?(\d{1,5})$/.exec(text)
  const port = Number(match?.[3])
  if (!match || port > 65535) {
    throw new ConfigError(`--metrics must be a port (9464) or an address and port (127.0.0.1:9464, [::1]:9464), not "${text}"`)
  }
  return Object.freeze({ host: match[1] ?? match[2] ?? '127.0.0.1', port, token: tokenFile === undefined ? undefined : readMetricsToken(tokenFile) })
}

/** The bearer token a scraper must send: the file's text, one trailing newline dropped. */
function readMetricsToken(file: string): string {
  let token: string
  try {
    token = readFileSync(file, 'utf8').replace(/\r?\n$/, '')
  } catch (err) {
    throw new ConfigError(`--metrics-token-file ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`)
  }
  if (!/^[\x21-\x7e]{16,256}$/.test(token)) throw new ConfigError(`--metrics-token-file ${file}: the token must be 16 to 256 printable ASCII characters, no spaces`)
  return token
}

/** `[HOST:]PORT` of a RADIUS listener, `example` its usual port; `off` or nothing: none. */
export function parseListener(text: string | undefined, flag: string, example: number, lastPort: number): Config['radius'] {
  if (text === undefined || text === '' || text === 'off') return undefined
  const match = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:]+)):)?(\d{1,5})$/.exec(text)
  const port = Number(match?.[3])
  if (!match || port < 1 || port > lastPort) {
    throw new ConfigError(`${flag} must be a port (${example}) or an address and port ([::]:${example}, 10.0.0.5:${example}), the port from 1 to ${lastPort}, not "${text}"`)
  }
  return Object.freeze({ host: match[1] ?? match[2], port })
}

/** RadSec needs a certificate and the NASes' CA: without either it refuses to start, saying which. */
export function radsecFrom(pick: (flag: string, variable: string) => string | undefined, flags: Flags, tls: Pick<Radsec, 'certFile' | 'keyFile'> | undefined): Radsec | undefined {
  const listener = parseListener(pick('radsec', 'AGENTXML_RADSEC'), '--radsec', 2083, 65535)
  const certFile = pick('radsec-cert', 'AGENTXML_RADSEC_CERT')
  const keyFile = pick('radsec-key', 'AGENTXML_RADSEC_KEY')
  const caFile = pick('radsec-ca', 'AGENTXML_RADSEC_CA')
  if (!listener) {
    // the variables may stay set with AGENTXML_RADSEC=off; flags say this run means RadSec
    if (['radsec-cert', 'radsec-key', 'radsec-ca'].some((flag) => flags[flag] !== undefined)) throw new ConfigError('--radsec-cert, --radsec-key and --radsec-ca need --radsec')
    return undefined
  }
  if ((certFile === undefined) !== (keyFile === undefined)) throw new ConfigError('--radsec-cert and --radsec-key go together')
  const certificate = certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : tls
  if (!certificate) throw new ConfigError('--radsec needs the server certificate: --radsec-cert and --radsec-key, or --tls-cert and --tls-key')
  if (caFile === undefined) throw new ConfigError("--radsec needs --radsec-ca, the CA certificate that signed the NASes' client certificates")
  return Object.freeze({ ...listener, ...certificate, caFile })
}
