import { readFileSync } from 'node:fs'
import { validateXML } from 'xmllint-wasm'

export const schemaFile = new URL('../../schemas/agentxml.xsd', import.meta.url)
const schema = { fileName: 'agentxml.xsd', contents: readFileSync(schemaFile, 'utf8') }

export interface Document {
  /** A name for messages: letters, digits, `-`, `_`, `.` and `/`. */
  readonly name: string
  readonly xml: string
}

/**
 * Validate documents against schemas/agentxml.xsd with libxml2 (xmllint-wasm, no system
 * install). One xmllint run checks them all; the answer maps each name to its errors, an empty
 * list meaning valid. A document counts as valid only when xmllint says "<file> validates".
 */
export async function validateAll(documents: readonly Document[]): Promise<Map<string, string[]>> {
  if (documents.length === 0) return new Map()
  const result = await validateXML({
    xml: documents.map((d) => ({ fileName: fileName(d.name), contents: d.xml })),
    schema,
    maxMemoryPages: 4096,
  })
  const lines = result.rawOutput.split('\n')
  return new Map(
    documents.map(({ name }) => {
      const file = fileName(name)
      if (lines.includes(`${file} validates`)) return [name, []]
      const own = lines.filter((line) => line.startsWith(`${file}:`) || line === `${file} fails to validate`)
      return [name, own.length > 0 ? own : [`no verdict from xmllint for ${file}:`, result.rawOutput]]
    }),
  )
}

/** One document's errors; empty when valid. */
export async function validate(xml: string, name = 'document'): Promise<string[]> {
  return (await validateAll([{ name, xml }])).get(name) ?? []
}

// xmllint's in-memory file system wants plain file names
const fileName = (name: string) => `${name.replace(/[^A-Za-z0-9._-]/g, '__')}.xml`
