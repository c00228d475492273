import { insertUsers } from '../db/repositories/directory-users.js'
import { listUsers, updateUser } from '../db/repositories/users.js'
import type { User } from '../db/schema/index.js'
import { inTransaction } from '../db/engine.js'
import { CsvError, type CsvRecord, parseCsv } from './csv.js'
import { directoryMessages } from './directory-messages.js'
import { directoryUserName, nameKey } from './directory-names.js'
import { DomainError } from './errors.js'
import type { Services } from './services.js'
import { sendPinsOnCreate } from './pin-issue.js'
import { checkTransport } from './users.js'

/**
 * `user import FILE.csv`, for organisations without a directory: one user a row (name, email,
 * phone, transport), an optional header row naming those columns in any order. Good rows are
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

interface Row {
  readonly line: number
  readonly name: string
  readonly email: string | null
  readonly phone: string | null
  readonly transport: string
}

const columns = ['name', 'email', 'phone', 'transport'] as const

function columnOrder(records: CsvRecord[]): readonly string[] {
  const header = records[0]?.fields.map((f) => f.toLowerCase())
  if (!header?.includes('name')) return columns
  records.shift()
  const unknown = header.find((h) => !(columns as readonly string[]).includes(h))
  if (unknown !== undefined) throw new DomainError(`line 1: unknown column "${unknown}" (the columns are ${columns.join(', ')})`)
  return header
}

function rowOf(record: CsvRecord, order: readonly string[]): Row {
  if (record.fields.length > order.length) throw new Error(`${record.fields.length} fields, at most ${order.length} expected`)
  const value = (column: string) => record.fields[order.indexOf(column)]?.trim() || undefined
  const name = directoryUserName(value('name'))
  if (!name) throw new Error(value('name') ? `user name "${value('name')}" is not allowed` : 'no user name')
  const email = value('email')
  const phone = value('phone')
  const transport = checkTransport({ name, email, phone, transport: value('transport') ?? (email ? 'email' : phone ? 'sms' : 'outbox') })
  if (transport === 'email' && !email) throw new Error('the email transport needs an email address')
  if (transport === 'sms' && !phone) throw new Error('the sms transport needs a phone number')
  return { line: record.line, name, email: email ?? null, phone: phone ?? null, transport }
}

function readRecords(text: string): CsvRecord[] {
  try {
    return parseCsv(text)
  } catch (err) {
    if (err instanceof CsvError) throw new DomainError(`line ${err.line}: ${err.message}; nothing was imported`)
    throw err
  }
}

const same = (user: User, row: Row) => user.email === row.email && user.phone === row.phone && user.transport === row.transport

export async function importUsers(services: Services, text: string, options: { dryRun?: boolean; file?: string } = {}): Promise<ImportReport> {
  const records = readRecords(text)
  const order = columnOrder(records)
  const problems: ImportProblem[] = []
  const existing = new Map((await listUsers(services.db)).map((user) => [nameKey(user.name), user]))
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
      if (!user) adds.push(row)
      else if (same(user, row)) unchanged++
      else updates.push([user, row])
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
        const inserted = await insertUsers(trx, rows.map((r) => ({ name: r.name, name_key: nameKey(r.name), pin: null, email: r.email, phone: r.phone, transport: r.transport, mobile: 1, created_at: now })))
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
