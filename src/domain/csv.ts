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
 * RFC 4180: fields separated by commas, optionally in double quotes, `""` a quote inside them,
 * records ending with CRLF or LF. A byte-order mark is skipped; blank lines are no records.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = []
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text
  let fields: string[] = []
  let field = ''
  let quoted = false
  let wasQuoted = false
  let line = 1
  let start = 1
  const endField = () => {
    fields.push(wasQuoted ? field : field.trim())
    field = ''
    wasQuoted = false
  }
  const endRecord = () => {
    endField()
    if (fields.length > 1 || fields[0] !== '') records.push({ line: start, fields })
    fields = []
  }
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') (field += '"'), i++
      else if (c === '"') quoted = false
      else {
        if (c === '\n') line++
        field += c
      }
    } else if (c === '"' && field.trim() === '') (quoted = true), (wasQuoted = true), (field = '')
    else if (c === '"') throw new CsvError(line, 'a quote inside an unquoted field')
    else if (c === ',') endField()
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i++
      endRecord()
      start = ++line
    } else if (wasQuoted) {
      if (c.trim() !== '') throw new CsvError(line, 'text after a closing quote')
    } else field += c
  }
  if (quoted) throw new CsvError(start, 'a quoted field is never closed')
  endRecord()
  return records
}
