import { insertUsers } from '../db/repositories/directory-users.js'
import { listUsers, updateUser } from '../db/repositories/users.js'
import type { User } from '../db/schema/index.js'
import { inTransaction } from '../db/engine.js'
import { CsvError, type CsvRecord, parseCsv } from './csv.js'
import { directoryMessages } from './directory-messages.js'
import { directoryUserName, nameKey } from './directory-names.js'
import { LookAlikes, looksLikeReason, nameSkeleton } from './name-skeleton.js'
import { DomainError } from './errors.js'
import type { Services } from './services.js'
import { sendPinsOnCreate } from './pin-issue.js'
import { checkUser } from './user-admin.js'

/**
 * `user import FILE.csv`, for organisations without a directory: one user a row (name, email,
 * phone, transport), separated by commas, semicolons or tabs (csv.ts), an optional header row
 * naming those columns in any order. Good rows are
 * imported, bad ones reported by line; a row that matches its user changes nothing, so running
 * the same file again changes nothing. Imported users are local users.
 */

export interface ImportProblem {
  readonly line: number
  readonly message: string
}

export interface ImportReport {
  readonly added: number
  readonly updated: number
  readonly unchanged: number
  readonly problems: readonly ImportProblem[]
}

/** The file as a whole is refused (not CSV, or columns it cannot name): nothing was imported. */
export class FileRefused extends DomainError {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}; nothing was imported`)
  }
}

interface Row {
  readonly line: number
  readonly name: string
  readonly email: string | null
  readonly phone: string | null
  readonly transport: string
}

const columns = ['name', 'email', 'phone', 'transport'] as const
const known = (field: string) => (columns as readonly string[]).includes(field.toLowerCase())

/**
 * The columns, from the header row when the file has one: a first row naming `name`, or naming
 * columns only, is the header, and must name `name` and nothing unknown (an empty cell is no
 * column). Any other first row is a user of the columns in their usual order, when it reads as
 * one; else it is a header of unknown columns (`Nom;Courriel`), and the whole file is refused
 * rather than each row imported wrongly.
 */
function columnOrder(records: CsvRecord[]): readonly string[] {
  const first = records[0]
  if (!first) return columns
  const header = first.fields.map((f) => f.toLowerCase())
  if (!header.includes('name') && !header.every((h) => h === '' || known(h))) {
    try {
      rowOf(first, columns)
    } catch (err) {
      throw new FileRefused(first.line, `neither a header naming the columns (${columns.join(', ')}) nor a user (${(err as Error).message})`)
    }
    return columns
  }
  records.shift()
  // an empty header cell names nothing (Excel writes `name;email;;` for columns left blank)
  const unknown = header.find((h) => h !== '' && !known(h))
  if (unknown !== undefined) throw new FileRefused(first.line, `unknown column "${unknown}" (the columns are ${columns.join(', ')})`)
  if (!header.includes('name')) throw new FileRefused(first.line, 'the header has no name column')
  return header
}

function rowOf(record: CsvRecord, order: readonly string[]): Row {
  if (record.fields.length > order.length) throw new Error(`${record.fields.length} fields, at most ${order.length} expected`)
  const value = (column: string) => record.fields[order.indexOf(column)]?.trim() || undefined
  const name = directoryUserName(value('name'))
  if (!name) throw new Error(value('name') ? `user name "${value('name')}" is not allowed` : 'no user name')
  const email = value('email')
  const phone = value('phone')
  // the same rules as user add: no transport given, the default one (default-transport.ts)
  const transport = checkUser({ name, email, phone, transport: value('transport') })
  return { line: record.line, name, email: email ?? null, phone: phone ?? null, transport }
}

function readRecords(text: string): CsvRecord[] {
  try {
    return parseCsv(text)
  } catch (err) {
    if (err instanceof CsvError) throw new FileRefused(err.line, err.message)
    throw err
  }
}

const same = (user: User, row: Row) => user.email === row.email && user.phone === row.phone && user.transport === row.transport

export async function importUsers(services: Services, text: string, options: { dryRun?: boolean; file?: string } = {}): Promise<ImportReport> {
  const records = readRecords(text)
  const order = columnOrder(records)
  const problems: ImportProblem[] = []
  const all = await listUsers(services.db)
  const existing = new Map(all.map((user) => [nameKey(user.name), user]))
  const names = new LookAlikes(all.map((user) => user.name))
  const seen = new Map<string, number>()
  const adds: Row[] = []
  const updates: [User, Row][] = []
  let unchanged = 0
  for (const record of records) {
    try {
      const row = rowOf(record, order)
      const key = nameKey(row.name)
      const earlier = seen.get(key)
      if (earlier !== undefined) throw new Error(`user "${row.name}" is already on line ${earlier}`)
      seen.set(key, row.line)
      const user = existing.get(key)
      if (user?.repository_id) throw new Error(`user "${user.name}" comes from a user repository: change it there`)
      if (user && same(user, row)) unchanged++
      else if (user) updates.push([user, row])
      else {
        const other = names.claim(row.name)
        if (other !== undefined) throw new Error(`user name ${JSON.stringify(row.name)} is not allowed: ${looksLikeReason(other)}`)
        adds.push(row)
      }
    } catch (err) {
      problems.push({ line: record.line, message: (err as Error).message })
    }
  }
  const added: number[] = []
  if (!options.dryRun) {
    const now = services.now()
    await inTransaction(services.db, async (trx) => {
      for (let i = 0; i < adds.length; i += 200) {
        const rows = adds.slice(i, i + 200)
        const inserted = await insertUsers(trx, rows.map((r) => ({ name: r.name, name_key: nameKey(r.name), name_skeleton: nameSkeleton(r.name), pin: null, email: r.email, phone: r.phone, transport: r.transport, mobile: 1, created_at: now })))
        added.push(...inserted.map((row) => row.id))
      }
      for (const [user, row] of updates) await updateUser(trx, user.id, { email: row.email, phone: row.phone, transport: row.transport })
    })
  }
  const report = { added: adds.length, updated: updates.length, unchanged, problems }
  if (!options.dryRun && (report.added || report.updated)) {
    const counts = `${report.added} added, ${report.updated} updated, ${unchanged} unchanged, ${problems.length} rows refused`
    services.log.info({ event: 'usersImported', file: options.file, reason: counts }, directoryMessages.usersImported(options.file ?? 'CSV', counts))
  }
  // imported users have the mobile right and no PIN: each is sent one (send-pin-on-create)
  await sendPinsOnCreate(services, added, 'new user')
  return report
}
