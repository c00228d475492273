import pg from 'pg'

export type Value = string | number | Buffer | null

/**
 * SQL text with its values written in as literals, for the hot-path units' two round trips:
 * PostgreSQL takes several statements in one message only without parameters (the simple
 * query protocol), so `BEGIN; SELECT …` and `UPDATE …; COMMIT` each need their values inlined.
 * Every value is typed here, never spliced as text: strings through pg's `escapeLiteral`
 * (standard_conforming_strings is set on every session, see open.ts), integers only when safe,
 * buffers as bytea hex. A string with NUL, which PostgreSQL text cannot hold, is refused.
 */
export function sql(strings: TemplateStringsArray, ...values: readonly Value[]): string {
  let text = strings[0] ?? ''
  values.forEach((value, n) => {
    text += literal(value) + (strings[n + 1] ?? '')
  })
  return text
}

export function literal(value: Value): string {
  if (value === null) return 'NULL'
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer: ${value}`)
    return String(value)
  }
  if (Buffer.isBuffer(value)) return `'\\x${value.toString('hex')}'::bytea`
  if (typeof value === 'string') {
    if (value.includes('\0')) throw new TypeError('text with a NUL character')
    return pg.escapeLiteral(value)
  }
  throw new TypeError(`cannot write ${typeof value} as a literal`)
}
