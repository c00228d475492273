import { CsvError as ParseError, parse } from 'csv-parse/sync'

/** One record of a CSV file and the line it starts on (a quoted field may span lines). */
export interface CsvRecord {
  readonly line: number
  readonly fields: readonly string[]
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message)
  }
}

/**
 * Bounds of an import (issue #25, item 13): a file of 100 000 users is a few megabytes, and a
 * record a few hundred characters; without them one 50 MB field took 2 GB of memory.
 */
export const csvLimits = { fileBytes: 16 * 1024 * 1024, recordChars: 4096 } as const

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * A CSV file's text: UTF-8 only, refused on the first line that is not (a Latin-1 file would
 * otherwise make `José` into `Jos\uFFFD`). A byte-order mark is dropped.
 */
export function decodeCsv(bytes: Buffer): string {
  try {
    return utf8.decode(bytes)
  } catch {
    return fail(firstBadLine(bytes), 'not UTF-8: save the file as UTF-8 ("CSV UTF-8" in Excel)')
  }
}

function firstBadLine(bytes: Buffer): number {
  for (let line = 1, start = 0; ; line++) {
    const end = bytes.indexOf(0x0a, start)
    try {
      utf8.decode(bytes.subarray(start, end === -1 ? bytes.length : end))
    } catch {
      return line
    }
    if (end === -1) return line
    start = end + 1
  }
}

/** The separators a file may use: RFC 4180's comma, Excel's semicolon (its default where the comma is the decimal mark), a tab. */
export const delimiters = [',', ';', '\t'] as const

/**
 * RFC 4180 as csv-parse reads it: fields optionally in double quotes, `""` a quote inside them,
 * records ending with CRLF, LF or CR. The separator is the one the first line uses most outside
 * quotes (a comma when it has none). A byte-order mark is skipped; blank lines, and lines of
 * empty fields only (Excel's blank rows), are no records. Unquoted fields are trimmed.
 */
export function parseCsv(text: string): CsvRecord[] {
  const input = text.replace(/\r\n?/g, '\n')
  const records: CsvRecord[] = []
  let lastEnd = 0
  try {
    parse(input, {
      bom: true,
      // the parser stops at the first record longer than this, before holding more of it
      max_record_size: csvLimits.recordChars,
      delimiter: delimiterOf(input),
      record_delimiter: '\n',
      trim: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      // the parser counts the line a record ends on; a quoted line break moves its start back
      on_record: (fields, { lines }) => {
        lastEnd = lines
        records.push({ line: lines - fields.reduce((breaks, field) => breaks + (field.match(/\n/g)?.length ?? 0), 0), fields })
        return null
      },
    })
    return records
  } catch (err) {
    if (!(err instanceof ParseError)) throw err
    const line = (err as ParseError & { lines?: number }).lines ?? 1
    switch (err.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return fail(firstTextLine(input, lastEnd), 'a quoted field is never closed')
      case 'INVALID_OPENING_QUOTE':
        return fail(line, 'a quote inside an unquoted field')
      case 'CSV_INVALID_CLOSING_QUOTE':
      case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
        return fail(line, 'text after a closing quote')
      case 'CSV_MAX_RECORD_SIZE':
        return fail(line, `a record of more than ${csvLimits.recordChars} characters`)
      default:
        return fail(line, (err.message.split('\n')[0] ?? err.code).slice(0, 200))
    }
  }
}

function fail(line: number, message: string): never {
  throw new CsvError(line, message)
}

/** The separator the first line that holds anything uses most, quoted text left out; ties go to the earlier of `delimiters`. */
export function delimiterOf(text: string): string {
  const counts = new Map<string, number>(delimiters.map((d) => [d, 0]))
  let quoted = false
  let holdsText = false
  for (const c of text) {
    if (c === '"') quoted = !quoted
    else if (quoted) continue
    else if (c === '\n' && holdsText) break
    else if (c === '\n') for (const d of delimiters) counts.set(d, 0)
    else if (counts.has(c)) counts.set(c, (counts.get(c) ?? 0) + 1)
    if (c.trim() !== '' && c !== '\uFEFF') holdsText = true
  }
  let best: string = delimiters[0]
  for (const d of delimiters) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d
  return best
}

/** The first line after `after` that is not blank: where a record that never ended began. */
function firstTextLine(text: string, after: number): number {
  const lines = text.split('\n')
  for (let i = after; i < lines.length; i++) if ((lines[i] ?? '').trim() !== '') return i + 1
  return after + 1
}
