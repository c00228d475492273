import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { CsvError, csvLimits, decodeCsv } from '../domain/csv.js'
import type { Services } from '../domain/services.js'
import { FileRefused, importUsers } from '../domain/user-import.js'
import { CliError, type Io, print } from './shared.js'

/** The file's bytes, refused past `csvLimits.fileBytes` without reading more (a pipe has no size to check first). */
function readBounded(file: string): Buffer {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
  }
  try {
    const limit = csvLimits.fileBytes
    const tooLarge = () => new CliError(`${file} has more than ${limit} bytes (16 MiB): split it`)
    if (fstatSync(fd).size > limit) throw tooLarge()
    const chunks: Buffer[] = []
    let total = 0
    for (let read = -1; read !== 0; ) {
      const chunk = Buffer.alloc(64 * 1024)
      read = readSync(fd, chunk, 0, chunk.length, null)
      total += read
      if (total > limit) throw tooLarge()
      chunks.push(chunk.subarray(0, read))
    }
    return Buffer.concat(chunks, total)
  } catch (err) {
    if (err instanceof CliError) throw err
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
  } finally {
    closeSync(fd)
  }
}

/** `user import FILE.csv [--dry-run]`: each refused row on stderr by line, the counts on stdout; status 1 when a row was refused. */
export async function importFile(services: Services, io: Io, file: string, dryRun: boolean): Promise<void> {
  let report: Awaited<ReturnType<typeof importUsers>>
  try {
    report = await importUsers(services, decodeCsv(readBounded(file)), { dryRun, file })
  } catch (err) {
    if (err instanceof FileRefused) throw new CliError(`${file} ${err.message}`)
    if (err instanceof CsvError) throw new CliError(`${file} line ${err.line}: ${err.message}; nothing was imported`)
    throw err
  }
  for (const problem of report.problems) io.stderr.write(`agentxml: ${file} line ${problem.line}: ${problem.message}\n`)
  const refused = report.problems.length
  print(io, `${dryRun ? 'dry run, nothing changed: ' : ''}${report.added} added, ${report.updated} updated, ${report.unchanged} unchanged, ${refused} rows refused`)
  if (refused > 0) throw new CliError(`${refused} rows of ${file} refused (see above); the others were ${dryRun ? 'checked' : 'imported'}`)
}
