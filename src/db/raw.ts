import { sql } from 'kysely'
import type { Db } from './index.js'

const templates = new Map<string, TemplateStringsArray>()

/** `text` split at its `?` placeholders, as a tagged template would be; made once per text. */
function template(text: string): TemplateStringsArray {
  let strings = templates.get(text)
  if (!strings) {
    const parts = text.split('?')
    strings = Object.assign(parts, { raw: [...parts] }) as unknown as TemplateStringsArray
    templates.set(text, strings)
  }
  return strings
}

/**
 * Run fixed SQL with `?` parameters, skipping the query builder. For the statements on the
 * path of every provision, download and login: the builder costs more than SQLite does for
 * these, and the text being fixed lets the statement cache reuse one prepared statement.
 * (Plain SQL through kysely's `sql` tag, so plugins still see every statement.)
 */
export async function rawQuery<Row>(db: Db, text: string, parameters: readonly unknown[] = []): Promise<Row[]> {
  const { rows } = await sql<Row>(template(text), ...parameters).execute(db)
  return rows
}
