import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import SQLite from 'better-sqlite3'
import { BackupError } from '../errors.js'
import { notADatabase } from './file.js'
import { contentDigest, foreignSchema, sealKey } from './backup-seal.js'
import { migrationProvider } from './migrations/index.js'

/**
 * Backup and restore of the SQLite file, through SQLite's online backup API: a consistent copy
 * while a server writes, never a file copy that could catch a transaction half-written. Only
 * the database: the key (agentxml.key or AGENTXML_SECRET_KEY) is never in it.
 */

export { BackupError }

/**
 * Copy the database at `source` to the new file `target`, mode 0600; `replace` allows an existing
 * target. `seal` makes the copy's seal from the digest of its content (backup-seal.ts), kept in it.
 */
export async function backupDatabase(source: string, target: string, options: { replace: boolean; seal: (digest: Buffer) => string }): Promise<void> {
  const db = await openAgentxml(source, 'the database')
  try {
    if (existsSync(target)) {
      if (!options.replace) throw new BackupError(`${target} exists; --force replaces it`)
      // --force replaces an earlier backup, never some other file (as root, not even /dev/null)
      const problem = notADatabase(target)
      if (problem) throw new BackupError(`${problem}; refusing to replace it`)
    }
    const sealCopy = (copy: SQLite.Database) => {
      copy.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(sealKey, options.seal(contentDigest(copy)))
    }
    await writeCopy(db, target, sealCopy, (temp) => {
      // no replace: link() fails when the target appeared meanwhile, where rename() would overwrite it
      if (options.replace) renameSync(temp, target)
      else linkOrRefuse(temp, target)
    })
  } finally {
    db.close()
  }
}

export interface BackupContents {
  /** A PIN sealed in the backup, to check the key that will open it. */
  readonly samplePin: { readonly name: string; readonly pin: Buffer } | undefined
  /** The seal the backup carries (none: made before backups were sealed). */
  readonly seal: string | undefined
  /** The digest of its content, which the seal must be made from. */
  readonly digest: Buffer
  /** A schema object this version's migrations do not make, if there is one. */
  readonly foreign: string | undefined
}

/** What restoring `backup` would find, checked before anything changes: an agentxml database, and a PIN to try the key on. */
export async function inspectBackup(backup: string): Promise<BackupContents> {
  const db = await openAgentxml(backup, 'the backup')
  try {
    const row = db.prepare('SELECT name, pin FROM users WHERE pin IS NOT NULL ORDER BY id LIMIT 1').get() as { name: string; pin: Buffer } | undefined
    const seal = db.prepare('SELECT value FROM meta WHERE key = ?').get(sealKey) as { value: string } | undefined
    return { samplePin: row, seal: seal?.value, digest: contentDigest(db), foreign: await foreignSchema(db) }
  } finally {
    db.close()
  }
}

/** Refuse, before anything else is asked, a target that restore would never replace: not a database, or not agentxml's. */
export async function assertReplaceable(target: string): Promise<void> {
  const problem = notADatabase(target)
  if (problem) throw new BackupError(problem)
  if (existsSync(target) && statSync(target).size > 0) (await openAgentxml(target, 'the database to replace')).close()
}

/**
 * Put the database at `backup` in place of `target`: the copy is made beside the target, then
 * renamed over it in one step, so the target is the old database or the new one, never half.
 * Refused while any process has the target open (a running server or command).
 */
export async function restoreDatabase(backup: string, target: string): Promise<void> {
  const source = await openAgentxml(backup, 'the backup')
  try {
    if (existsSync(target) && statSync(target).size > 0) await takeOver(target)
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 })
    await writeCopy(source, target, undefined, (temp) => {
      // a write-ahead log left beside the target would be replayed into the restored file
      if (existsSync(`${target}-wal`)) throw new BackupError(`${target} is in use (its -wal file appeared); stop the server first`)
      rmSync(`${target}-shm`, { force: true })
      renameSync(temp, target)
    })
  } finally {
    source.close()
  }
}

/**
 * Make sure nobody else has the target open: leaving WAL mode needs the only connection to the
 * file, so SQLite refuses it (SQLITE_BUSY) while a server or a command has it open.
 */
async function takeOver(target: string): Promise<void> {
  const db = await openAgentxml(target, 'the database to replace', false)
  try {
    db.pragma('busy_timeout = 0')
    let mode: unknown
    try {
      mode = db.pragma('journal_mode = DELETE', { simple: true })
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err
    }
    if (mode !== 'delete') throw new BackupError(`${target} is in use (a running server or command has it open); stop the server first`)
  } finally {
    db.close()
  }
}

/** Write a checked copy to a new 0600 file beside `target` (`finish` has the last word on it), then let `place` move it there. */
async function writeCopy(db: SQLite.Database, target: string, finish: ((copy: SQLite.Database) => void) | undefined, place: (temp: string) => void): Promise<void> {
  if (!existsSync(dirname(target))) throw new BackupError(`the folder ${dirname(target)} does not exist`)
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
  // created 0600 before a byte is written: SQLite keeps the mode, and gives it to its journal
  closeSync(openSync(temp, 'wx', 0o600))
  try {
    // all pages in one step, so one read transaction: a step that saw another connection write would start again
    await db.backup(temp, { progress: () => 0x7fffffff })
    const copy = new SQLite(temp, { fileMustExist: true })
    try {
      // a single self-contained file: the server turns WAL back on when it opens it
      copy.pragma('journal_mode = DELETE')
      finish?.(copy)
      const check = copy.pragma('quick_check', { simple: true })
      if (check !== 'ok') throw new BackupError(`the copy failed its integrity check: ${String(check)}`)
    } finally {
      copy.close()
    }
    syncFile(temp)
    place(temp)
    syncFile(dirname(target))
  } finally {
    rmSync(temp, { force: true })
  }
}

/** Open an existing file (read-only unless asked) and make sure it is an agentxml database this version can use. */
async function openAgentxml(file: string, what: string, readonly = true): Promise<SQLite.Database> {
  const problem = notADatabase(file)
  if (problem) throw new BackupError(problem)
  if (!existsSync(file) || statSync(file).size === 0) throw new BackupError(`${what} ${file} does not exist or is empty`)
  const db = new SQLite(file, { readonly, fileMustExist: true })
  try {
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name))
    if (!tables.has('kysely_migration') || !tables.has('users') || !tables.has('agents')) {
      throw new BackupError(`${file} is an SQLite database, but not an agentxml one`)
    }
    // a newer agentxml's database has migrations this one does not know, and the server would refuse it
    const known = new Set(Object.keys(await migrationProvider.getMigrations()))
    const unknown = (db.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as { name: string }[]).find((m) => !known.has(m.name))
    if (unknown) throw new BackupError(`${file} comes from a newer agentxml (migration ${unknown.name}); use that version`)
    return db
  } catch (err) {
    db.close()
    throw err
  }
}

function linkOrRefuse(temp: string, target: string): void {
  try {
    linkSync(temp, target)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw new BackupError(`${target} exists; --force replaces it`)
    // a file system without hard links (FAT): check, then rename
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err
    if (existsSync(target)) throw new BackupError(`${target} exists; --force replaces it`)
    renameSync(temp, target)
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
