import { readFileSync } from 'node:fs'
import type { Services } from '../domain/services.js'
import { FileRefused, importUsers } from '../domain/user-import.js'
import { CliError, type Io, print } from './shared.js'

/** `user import FILE.csv [--dry-run]`: each refused row on stderr by line, the counts on stdout; status 1 when a row was refused. */
export async function importFile(services: Services, io: Io, file: string, dryRun: boolean): Promise<void> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
  }
  let report: Awaited<ReturnType<typeof importUsers>>
  try {
    report = await importUsers(services, text, { dryRun, file })
  } catch (err) {
    if (err instanceof FileRefused) throw new CliError(`${file} ${err.message}`)
    throw err
  }
  for (const problem of report.problems) io.stderr.write(`agentxml: ${file} line ${problem.line}: ${problem.message}\n`)
  const refused = report.problems.length
  print(io, `${dryRun ? 'dry run, nothing changed: ' : ''}${report.added} added, ${report.updated} updated, ${report.unchanged} unchanged, ${refused} rows refused`)
  if (refused > 0) throw new CliError(`${refused} rows of ${file} refused (see above); the others were ${dryRun ? 'checked' : 'imported'}`)
}
