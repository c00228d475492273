import { decodeXml, parseDocument } from './parse.js'

/** A parsed `<SASResponse>`, as a client reads it: simple elements by name, values as strings. */
export interface AgentReply {
  readonly result: string | undefined
  readonly error: string | undefined
  readonly fields: Readonly<Record<string, string | undefined>>
}

/** Parse a reply body, for clients; throws when it is not an AgentXML reply. */
export function parseAgentReply(body: Buffer): AgentReply {
  let parsed: { root: string; content: unknown }
  try {
    parsed = parseDocument(decodeXml(body))
  } catch {
    throw new Error('the reply is not well-formed XML')
  }
  if (parsed.root !== 'SASResponse') throw new Error(`the reply is a ${parsed.root}, not a SASResponse`)
  const element = typeof parsed.content === 'object' && parsed.content !== null ? (parsed.content as Record<string, unknown>) : {}
  const fields: Record<string, string | undefined> = Object.create(null)
  for (const [name, value] of Object.entries(element)) {
    if (!name.startsWith('@')) fields[name] = textOf(Array.isArray(value) ? value[0] : value)
  }
  return { result: fields.Result, error: fields.Error, fields }
}

// the parser has already decoded entities and character references
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value !== 'object' || value === null) return undefined
  const text = (value as Record<string, unknown>)['#text']
  return typeof text === 'string' ? text : undefined
}
