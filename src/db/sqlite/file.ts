import { closeSync, openSync, readSync, statSync } from 'node:fs'

/** The first 16 bytes of every SQLite database file. */
const header = Buffer.from('SQLite format 3\0', 'latin1')

/**
 * Why `file` cannot be opened as a database, or undefined when it can: an SQLite file, or one
 * that is missing or empty (it becomes a new database). Checked before anything is created
 * beside it (the key file), so `--db /etc/passwd` changes nothing.
 */
export function notADatabase(file: string): string | undefined {
  if (file === ':memory:') return undefined
  let size: number
  try {
    const stats = statSync(file)
    if (stats.isDirectory()) return `${file} is a folder, not a database file`
    if (!stats.isFile()) return `${file} is not a regular file`
    size = stats.size
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  if (size === 0) return undefined
  const start = Buffer.alloc(header.length)
  const fd = openSync(file, 'r')
  try {
    readSync(fd, start, 0, start.length, 0)
  } finally {
    closeSync(fd)
  }
  return start.equals(header) ? undefined : `${file} is not a database (not an SQLite file)`
}
