import { XMLParser, XMLValidator, type X2jOptions } from 'fast-xml-parser'
import { GeneralError } from '../protocol/errors.js'
import type { AgentRequest } from '../protocol/types.js'
import { assertXmlCharacters, entityDecoder } from './characters.js'

/** Nesting deeper than this is refused (docs/protocol.md §1). */
export const maxDepth = 32

/** What a request may hold; `--max-elements` sets `maxElements`. */
export interface ParseLimits {
  /** Elements in all, the root included (start and self-closing tags; not end tags, comments, PIs). */
  readonly maxElements: number
}

export const defaultParseLimits: ParseLimits = { maxElements: 64 }

/** How every request is parsed (AgentXML and AdminXML alike). */
export const parserOptions = {
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false, // `007123` stays `007123`
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  // the five predefined entities and character references, in one pass; a DOCTYPE never gets this far
  entityDecoder,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // the parser counts the levels below the root element: 31 of them make a depth of 32
  maxNestedTags: maxDepth - 1,
  // no callback here reads a tag's path: the parser need not build it as a string for each tag
  jPath: false,
} as const satisfies X2jOptions

const parser = new XMLParser(parserOptions)

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Elements that may occur once; a second one makes the request invalid (docs/protocol.md §1). */
const singular = new Set(['Version', 'Secret', 'RequestID', 'Action', 'Username', 'ProvisionCode', 'DeviceOS', 'PushId', 'Id', 'OTC', 'Password'])

/** XML text of a request as UTF-8, refusing what the protocol refuses (docs/protocol.md §1) before any parsing happens. */
export function decodeXml(body: Buffer | undefined): string {
  if (!body || body.length === 0) throw new GeneralError('empty request body')
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    throw new GeneralError('request body is not valid UTF-8')
  }
  // entities are never expanded: a document type declaration is refused outright
  if (/<!DOCTYPE/i.test(text)) throw new GeneralError('document type declarations are not allowed')
  return text
}

/**
 * The shape nearly every request has: an optional plain XML declaration, then one root element
 * holding only simple elements of plain text (no attributes, entities, comments or `>`). A text
 * that matches is well-formed by construction (each end tag repeats its start tag's name), so
 * the validator's full pass is skipped; anything else goes through the validator.
 */
const name = '[A-Za-z_][A-Za-z0-9_.-]*'
const plainDocument = new RegExp(
  `^(?:<\\?xml version=(["'])1\\.0\\1(?: encoding=(["'])[A-Za-z][A-Za-z0-9._-]*\\2)?\\s*\\?>)?\\s*` +
    `<(${name})>(?:\\s*<(${name})>[^<>&]*</\\4>)*\\s*</\\3>\\s*$`,
)

export const isPlainDocument = (text: string): boolean => plainDocument.test(text)

/**
 * Names the parser refuses (they could pollute an object's prototype) or renames: a document
 * that uses one is left to it, so that it is refused exactly as before.
 */
const reservedName = /<\/?(?:__proto__|constructor|prototype|hasOwnProperty|toString|valueOf|__(?:define|lookup)[GS]etter__)>/i
const plainChild = new RegExp(`<(${name})>([^<>&]*)</\\1>`, 'g')

/**
 * The root's content as the parser makes it (options above), for a plain document: each child's
 * text trimmed, a repeated child an array, no children ''. Nothing in such a document asks for
 * what the parser does beyond that (entities, attributes, CDATA, nesting), and this is a regular
 * expression's pass where the parser costs a tenth of a login. A carriage return (which the
 * parser folds into line feeds) or a reserved name leaves it to the parser: undefined.
 */
function plainContent(text: string, root: string): Record<string, string | string[]> | '' | undefined {
  if (text.includes('\r') || reservedName.test(text)) return undefined
  const content: Record<string, string | string[]> = {}
  let empty = true
  plainChild.lastIndex = text.indexOf(`<${root}>`) + root.length + 2
  for (let match = plainChild.exec(text); match; match = plainChild.exec(text)) {
    const [, child = '', value = ''] = match
    const trimmed = value.trim()
    const before = Object.hasOwn(content, child) ? content[child] : undefined
    content[child] = before === undefined ? trimmed : Array.isArray(before) ? [...before, trimmed] : [before, trimmed]
    empty = false
  }
  return empty ? '' : content
}

/** Parse a whole document into its single root element and that element's content. */
export function parseDocument(text: string): { root: string; content: unknown } {
  const plain = plainDocument.exec(text)
  const check = plain ? true : wellFormed(text)
  if (check !== true) {
    // only the code and position: the message can quote the request, which may hold a secret
    throw new GeneralError(`request is not well-formed XML (${check})`)
  }
  // after the validator: it has made sure every comment, CDATA section and PI is closed
  assertXmlCharacters(text)
  const root = plain?.[3]
  const content = root === undefined ? undefined : plainContent(text, root)
  if (root !== undefined && content !== undefined) return { root, content }
  let document: Record<string, unknown>
  try {
    document = parser.parse(text) as Record<string, unknown>
  } catch (err) {
    const depth = err instanceof Error && /nested/i.test(err.message)
    throw new GeneralError(depth ? `request is nested deeper than ${maxDepth} levels` : 'request could not be parsed')
  }
  const roots = Object.keys(document)
  if (roots.length !== 1 || typeof roots[0] !== 'string') throw new GeneralError('request must have one root element')
  return { root: roots[0], content: document[roots[0]] }
}

/** Whether `text` is well-formed XML, or why not (the validator's code and line). */
function wellFormed(text: string): true | string {
  const check = XMLValidator.validate(text)
  return check === true ? true : `${check.err.code} at line ${check.err.line}`
}

const lessThan = 0x3c
const greaterThan = 0x3e
const equals = 0x3d
const quotes = new Set([0x22, 0x27])
const notAnElement = new Set([0x2f, 0x21, 0x3f]) // `</`, `<!`, `<?`

/**
 * Refuse a body of more elements and attributes than `max` before the parser sees it: thousands
 * of small elements, or of attributes on one element, cost the parser milliseconds each; a real
 * request has a dozen. One pass over the bytes: each `<` that starts an element, and each `=`
 * outside quotes inside its start tag, counts (a `<` in a comment or CDATA too: harmless).
 */
export function assertElementCount(body: Buffer, max: number): void {
  let count = 0
  const over = () => new GeneralError(`request has more than ${max} elements and attributes`)
  for (let at = body.indexOf(lessThan); at !== -1; at = body.indexOf(lessThan, at + 1)) {
    if (notAnElement.has(body[at + 1] ?? 0)) continue
    if (++count > max) throw over()
    let quote = 0
    for (at++; at < body.length; at++) {
      const byte = body[at] ?? 0
      if (quote !== 0) {
        if (byte === quote) quote = 0
      } else if (quotes.has(byte)) quote = byte
      else if (byte === equals && ++count > max) throw over()
      else if (byte === greaterThan || byte === lessThan) break
    }
    if (body[at] === lessThan) at-- // a malformed tag: the next element starts here
  }
}

/** A request body as a typed `<SASRequest>`; throws `GeneralError` for anything malformed. */
export function parseAgentRequest(body: Buffer | undefined, limits: ParseLimits = defaultParseLimits): AgentRequest {
  if (body) assertElementCount(body, limits.maxElements)
  const { root, content } = parseDocument(decodeXml(body))
  if (root !== 'SASRequest') throw new GeneralError(`root element is ${root}, not SASRequest`)
  const element = typeof content === 'object' && content !== null ? (content as Record<string, unknown>) : {}
  const fields: Record<string, string | undefined> = Object.create(null)
  for (const name in element) {
    if (name.startsWith('@')) continue
    const value = element[name]
    if (Array.isArray(value)) {
      if (singular.has(name)) throw new GeneralError(`element ${name} appears more than once`)
      continue
    }
    const text = textOf(value)
    if (text === undefined && singular.has(name)) throw new GeneralError(`element ${name} must hold text`)
    fields[name] = text
  }
  // the older attribute form; child elements win when both are present (docs/protocol.md §2)
  const attribute = (name: string) => {
    const value = element[`@${name}`]
    return typeof value === 'string' ? value : undefined
  }
  const take = (name: string) => {
    const value = fields[name]
    delete fields[name]
    return value
  }
  return {
    version: take('Version') ?? attribute('version'),
    secret: take('Secret') ?? attribute('secret'),
    requestId: take('RequestID'),
    action: take('Action'),
    fields,
  }
}

/** The text of a simple element (attributes on it are ignored); undefined when it has children. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value !== 'object' || value === null) return undefined
  for (const key in value) if (key !== '#text' && !key.startsWith('@')) return undefined
  const text = (value as Record<string, unknown>)['#text']
  return typeof text === 'string' ? text : ''
}
