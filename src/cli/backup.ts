import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Config } from '../config.js'
import { backupDatabase, inspectBackup, restoreDatabase } from '../db/sqlite/backup.js'
import { keysOpenPin } from '../domain/users.js'
import { deriveKeys, type Keys, loadMasterKey } from '../secrets.js'
import { assertNoMore, CliError, type Command, configFrom, dbHelp, parse, positional, print } from './shared.js'

const keyRule = `The key is not in a backup: keep a copy of agentxml.key (beside the database), or of
AGENTXML_SECRET_KEY, apart from the backups. A database is only ever opened with the key it was
made with: without it, the server and every command refuse it.`

const backupUsage = `Usage: agentxml backup FILE [--force] [--db DATABASE]

Writes a consistent copy of the database to FILE (mode 0600) through SQLite's online backup
API, while the server runs. An existing FILE is replaced only with --force.

${keyRule}
${dbHelp}
`

const restoreUsage = `Usage: agentxml restore FILE [--db TARGET] [--force]

Puts the backup FILE in place of a SQLite database (TARGET, default as --db): it checks FILE is
an agentxml database (and not one of a newer version), copies it beside TARGET and renames it
over TARGET in one step, so TARGET is always the old database or the new one. Refused while a
server or command has TARGET open; a server started during the restore is not detected, so stop
the server first and start it after.

When a key is already there for TARGET (agentxml.key beside it, or AGENTXML_SECRET_KEY), it must
open the PINs of the backup, else the restore is refused (--force restores anyway, and the server
then refuses the database until the right key is put there). With no key there yet, it restores
and says to put the key back before starting the server. It never makes a key.

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
    await backupDatabase(config.db, file, { replace: values.force === true })
    print(io, `Database ${config.db} backed up to ${file} (mode 0600).`)
    print(io, `The key is not in the backup: keep a copy of ${keyWhere(config)} apart from it; without it the PINs, security strings and queued messages in the backup cannot be read.`)
  },
}

export const restore: Command = {
  name: 'restore',
  usage: restoreUsage,
  async run(args, io) {
    const { values, positionals } = parse(args, { force: { type: 'boolean' } })
    const file = positional(positionals, 0, 'backup file')
    assertNoMore(positionals, 1)
    const config = configFrom(values, io)
    assertFileDatabase(config)
    if (resolve(file) === resolve(config.db)) throw new CliError('the backup file is the database itself')
    const { samplePin } = await inspectBackup(file)
    const keys = existingKeys(config)
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
