import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { type Config, ConfigError } from '../config.js'

/**
 * Try the certificate and key before starting: node would otherwise fail deep inside the HTTPS
 * server with an OpenSSL code and no file name (a key that is not PEM, a certificate of another key).
 */
export function checkTlsFiles(tls: Config['tls']): void {
  if (!tls) return
  const cert = read(tls.certFile, '--tls-cert')
  const key = read(tls.keyFile, '--tls-key')
  attempt({ cert }, `--tls-cert ${tls.certFile} is not a PEM certificate`)
  attempt({ key }, `--tls-key ${tls.keyFile} is not a PEM private key (without a passphrase)`)
  attempt({ cert, key }, `--tls-key ${tls.keyFile} is not the key of the certificate ${tls.certFile}`)
}

function read(file: string, flag: string): Buffer {
  try {
    return readFileSync(file)
  } catch (err) {
    throw new ConfigError(`${flag} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`)
  }
}

function attempt(options: { cert?: Buffer; key?: Buffer }, problem: string): void {
  try {
    createSecureContext(options)
  } catch (err) {
    throw new ConfigError(`${problem} (${(err as Error).message.replace(/^error:[0-9A-F]+:/, '')})`)
  }
}
