import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Config } from '../config.js'
import { assertReplaceable, backupDatabase, inspectBackup, restoreDatabase } from '../db/sqlite/backup.js'
import { keysOpenPin } from '../domain/users.js'
import { deriveKeys, keyedHash, type Keys, loadMasterKey, safeEqual } from '../secrets.js'
import { assertNoMore, CliError, type Command, configFrom, dbHelp, parse, positional, print } from './shared.js'

const keyRule = `The key is not in a backup: keep a copy of agentxml.key (beside the database), or of
AGENTXML_SECRET_KEY, apart from the backups. A database is only ever opened with the key it was
made with: without it, the server and every command refuse it.`

const backupUsage = `Usage: agentxml backup FILE [--force] [--db DATABASE]

Writes a consistent copy of the database to FILE (mode 0600) through SQLite's online backup
API, while the server runs, sealed with the master key (a MAC of its whole content, kept in
it): restore refuses a backup changed since. An existing FILE is replaced only with --force.

${keyRule}
${dbHelp}
`

const restoreUsage = `Usage: agentxml restore FILE [--db TARGET] [--unsigned [--force]]

Puts the backup FILE in place of the database (TARGET, default as --db): it checks FILE is an
agentxml database (and not one of a newer version) with no schema object agentxml's migrations
do not make, and that its seal matches the key for TARGET (agentxml.key beside it, or
AGENTXML_SECRET_KEY), which must be there first: a backup changed since it was made, or made
with another key, is refused. Then it copies FILE beside TARGET and renames it over TARGET in
one step. Refused while a server or command has TARGET open; a server started during the
restore is not detected: stop the server first.

--unsigned restores a backup made before agentxml sealed its backups, without that check; its
key must still open the PINs of the backup (--force restores anyway).

${keyRule}
${dbHelp}
`

const keyWhere = (config: Config) => (config.secretKey !== undefined ? 'AGENTXML_SECRET_KEY' : config.keyFile)

export const backup: Command = {
  name: 'backup',
  usage: backupUsage,
  async run(args, io) {
    const { values, positionals } = parse(args, { force: { type: 'boolean' } })
    const file = positional(positionals, 0, 'backup file')
    assertNoMore(positionals, 1)
    const config = configFrom(values, io)
    assertFileDatabase(config)
    if (resolve(file) === resolve(config.db)) throw new CliError('the backup file cannot be the database itself')
    // the key is read once the database is known to be agentxml's (a foreign file is refused as such)
    const seal = (digest: Buffer) => {
      const keys = existingKeys(config)
      if (!keys) throw new CliError(`no key for ${config.db} at ${config.keyFile} (or in AGENTXML_SECRET_KEY): the backup is sealed with it`)
      return sealOf(keys, digest)
    }
    await backupDatabase(config.db, file, { replace: values.force === true, seal })
    print(io, `Database ${config.db} backed up to ${file} (mode 0600).`)
    print(io, `The key is not in the backup: keep a copy of ${keyWhere(config)} apart from it; without it the PINs, security strings and queued messages in the backup cannot be read.`)
  },
}

export const restore: Command = {
  name: 'restore',
  usage: restoreUsage,
  async run(args, io) {
    const { values, positionals } = parse(args, { force: { type: 'boolean' }, unsigned: { type: 'boolean' } })
    const file = positional(positionals, 0, 'backup file')
    assertNoMore(positionals, 1)
    const config = configFrom(values, io)
    assertFileDatabase(config)
    if (resolve(file) === resolve(config.db)) throw new CliError('the backup file is the database itself')
    await assertReplaceable(config.db)
    const contents = await inspectBackup(file)
    if (contents.foreign) throw new CliError(`${file} holds a ${contents.foreign} that agentxml's migrations do not make: a backup is never edited, so it is refused`)
    const keys = existingKeys(config)
    if (contents.seal !== undefined) {
      if (!keys) throw new CliError(`restore checks the seal of ${file} with the key it was made with: put that key at ${config.keyFile} (or in AGENTXML_SECRET_KEY) first`)
      if (!safeEqual(Buffer.from(sealOf(keys, contents.digest), 'hex'), Buffer.from(contents.seal, 'hex'))) {
        throw new CliError(`the seal of ${file} does not match the key ${keyWhere(config)}: it was made with another key, or changed after it was made; refused`)
      }
      await restoreDatabase(file, config.db)
      print(io, `Backup ${file} restored to ${config.db}; its seal matches the key ${keyWhere(config)}.`)
      return
    }
    if (values.unsigned !== true) throw new CliError(`${file} has no seal (a backup made before agentxml sealed its backups): --unsigned restores it without that check`)
    const { samplePin } = contents
    const opens = keys && samplePin ? keysOpenPin(keys, samplePin.name, samplePin.pin) : undefined
    if (opens === false && values.force !== true) {
      throw new CliError(`the key ${keyWhere(config)} does not open the PINs in ${file}: put the key the backup was made with there first (--force restores anyway)`)
    }
    await restoreDatabase(file, config.db)
    print(io, `Backup ${file} restored to ${config.db}.`)
    if (!keys) {
      print(io, `There is no key for it yet: put the key the backup was made with at ${config.keyFile} (or in AGENTXML_SECRET_KEY) before starting the server: without it the server refuses to start (and with another key, every PIN, security string and queued message in this database is unreadable).`)
    } else if (opens === true) {
      print(io, `The key ${keyWhere(config)} opens its PINs.`)
    } else if (opens === false) {
      print(io, `The key ${keyWhere(config)} does NOT open its PINs: every PIN, security string and queued message in it is unreadable until the key the backup was made with is put back.`)
    } else {
      print(io, `No user in it has a PIN, so the key ${keyWhere(config)} could not be checked: it must be the key the backup was made with, or every security string and queued message is unreadable.`)
    }
  },
}

function assertFileDatabase(config: Config): void {
  if (config.engine === 'postgres') throw new CliError('backup and restore are for a SQLite database; back PostgreSQL up with its own tools (pg_dump, or the service\'s backups)')
  if (config.db === ':memory:') throw new CliError('an in-memory database has nothing to back up or restore')
}

/** The key that would open the target: never created here (a new key would open nothing restored). */
function existingKeys(config: Config): Keys | undefined {
  if (config.secretKey === undefined && (config.keyFile === undefined || !existsSync(config.keyFile))) return undefined
  return deriveKeys(loadMasterKey({ fromEnv: config.secretKey, keyFile: config.keyFile, create: false }))
}

/** A backup's seal: the master key's MAC of the digest of its content (db/sqlite/backup-seal.ts). */
const sealOf = (keys: Keys, digest: Buffer) => keyedHash(keys, 'backup-seal', digest.toString('hex')).toString('hex')
