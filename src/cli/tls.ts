import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { type Config, ConfigError } from '../config.js'

/**
 * Try the certificate and key before starting: node would otherwise fail deep inside the HTTPS
 * server with an OpenSSL code and no file name (a key that is not PEM, a certificate of another key).
 */
export function checkTlsFiles(tls: Config['tls']): void {
  if (tls) checkPair(tls, '--tls-cert', '--tls-key')
}

/** RadSec's certificate and key as HTTPS's, and its CA: node takes a file with no certificate in it as trusting none, silently. */
export function checkRadsecFiles(radsec: Config['radsec']): void {
  if (!radsec) return
  checkPair(radsec, '--radsec-cert', '--radsec-key')
  const blocks = read(radsec.caFile, '--radsec-ca').toString('latin1').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []
  if (blocks.length === 0) throw new ConfigError(`--radsec-ca ${radsec.caFile} holds no PEM certificate`)
  for (const block of blocks) {
    let certificate: X509Certificate
    try {
      certificate = new X509Certificate(block)
    } catch (err) {
      throw new ConfigError(`--radsec-ca ${radsec.caFile} holds a certificate that does not parse (${(err as Error).message.replace(/^error:[0-9A-F]+:/, '')})`)
    }
    if (!certificate.ca) throw new ConfigError(`--radsec-ca ${radsec.caFile}: "${certificate.subject.replace(/\n/g, ', ')}" is not a CA certificate`)
  }
}

function checkPair(files: { readonly certFile: string; readonly keyFile: string }, certFlag: string, keyFlag: string): void {
  const cert = read(files.certFile, certFlag)
  const key = read(files.keyFile, keyFlag)
  attempt({ cert }, `${certFlag} ${files.certFile} is not a PEM certificate`)
  attempt({ key }, `${keyFlag} ${files.keyFile} is not a PEM private key (without a passphrase)`)
  attempt({ cert, key }, `${keyFlag} ${files.keyFile} is not the key of the certificate ${files.certFile}`)
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
