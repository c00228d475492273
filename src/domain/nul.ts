/**
 * U+0000 in a name or a search. No stored text holds it: PostgreSQL's `text` cannot (a query
 * that carries one fails, "invalid byte sequence for encoding UTF8: 0x00"), and every name rule
 * refuses control characters, so none reached a SQLite database either. A name that holds it
 * names nothing and is answered as an unknown one, before any query, on both engines; a search
 * that holds it finds nothing.
 */
export const holdsNul = (text: string): boolean => text.includes('\u0000')

/** Why such a name was refused (the log's `reason`). */
export const nulReason = 'name holds U+0000'
