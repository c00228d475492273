import { XMLParser } from 'fast-xml-parser'
import { GeneralError } from '../protocol/errors.js'
import {
  type AdminOperationName,
  adminOperationNames,
  type AdminOperationRequest,
  type AdminRequest,
  type AdminUser,
} from '../protocol/admin-types.js'
import { decodeXml, parseDocument, parserOptions } from './parse.js'

/** As the AgentXML parser, but keeping document order: operations run in the order sent. */
const orderedParser = new XMLParser({ ...parserOptions, preserveOrder: true })

/** A node of the ordered tree: `{ Tag: children, ':@': attributes }` or `{ '#text': text }`. */
type OrderedNode = Record<string, unknown>

const tagOf = (node: OrderedNode) => Object.keys(node).find((key) => key !== ':@') ?? ''
const childrenOf = (node: OrderedNode) => (Array.isArray(node[tagOf(node)]) ? (node[tagOf(node)] as OrderedNode[]) : [])
const elementsOf = (node: OrderedNode) => childrenOf(node).filter((child) => tagOf(child) !== '#text')

function attribute(node: OrderedNode, name: string): string | undefined {
  const attributes = node[':@'] as Record<string, unknown> | undefined
  const value = attributes?.[`@${name}`]
  return typeof value === 'string' ? value.trim() : undefined
}

/** The text of a simple element; an element with child elements is refused. */
function textOf(node: OrderedNode, where: string): string {
  const children = childrenOf(node)
  if (children.some((child) => tagOf(child) !== '#text')) throw new GeneralError(`element ${tagOf(node)} in ${where} must hold text`)
  return children.map((child) => String(child['#text'] ?? '')).join('').trim()
}

/** Child elements by name, each allowed once, none other than `allowed`. */
function singleChildren(node: OrderedNode, allowed: readonly string[], where: string): Map<string, OrderedNode> {
  const found = new Map<string, OrderedNode>()
  for (const child of elementsOf(node)) {
    const tag = tagOf(child)
    // an unknown element would be silently ignored otherwise: refused, so a typo never passes as done
    if (!allowed.includes(tag)) throw new GeneralError(`unknown element ${tag.slice(0, 64)} in ${where}`)
    if (found.has(tag)) throw new GeneralError(`element ${tag} appears more than once in ${where}`)
    found.set(tag, child)
  }
  return found
}

function parseUser(node: OrderedNode, operation: AdminOperationName): AdminUser {
  const where = `${operation}/User`
  const fields = singleChildren(node, ['PIN', 'Transport', 'Destination'], where)
  const text = (name: string) => {
    const child = fields.get(name)
    return child === undefined ? undefined : textOf(child, where)
  }
  return { name: attribute(node, 'name'), pin: text('PIN'), transport: text('Transport'), destination: text('Destination') }
}

function parseOperation(node: OrderedNode): AdminOperationRequest[] {
  const operation = tagOf(node) as AdminOperationName
  const users = elementsOf(node)
  if (users.length === 0) throw new GeneralError(`${operation} holds no User`)
  return users.map((user) => {
    if (tagOf(user) !== 'User') throw new GeneralError(`unknown element ${tagOf(user).slice(0, 64)} in ${operation}`)
    return { operation, user: parseUser(user, operation) }
  })
}

const headerNames = ['Version', 'Secret', 'RequestID']

/**
 * A request body as a typed `<AdminRequest>`. The AgentXML checks of docs/protocol.md §1 (size, UTF-8, no
 * DOCTYPE, depth, well-formedness) run first through the same functions; anything malformed
 * throws `GeneralError`.
 */
export function parseAdminRequest(body: Buffer | undefined): AdminRequest {
  const text = decodeXml(body)
  const { root } = parseDocument(text)
  if (root !== 'AdminRequest') throw new GeneralError(`root element is ${root.slice(0, 64)}, not AdminRequest`)
  const document = orderedParser.parse(text) as OrderedNode[]
  const request = document.find((node) => tagOf(node) === 'AdminRequest')
  if (!request) throw new GeneralError('request could not be parsed')
  const header = new Map<string, string>()
  const operations: AdminOperationRequest[] = []
  for (const child of elementsOf(request)) {
    const tag = tagOf(child)
    if (headerNames.includes(tag)) {
      if (header.has(tag)) throw new GeneralError(`element ${tag} appears more than once`)
      header.set(tag, textOf(child, 'AdminRequest'))
    } else if ((adminOperationNames as readonly string[]).includes(tag)) {
      operations.push(...parseOperation(child))
    } else {
      throw new GeneralError(`unknown operation ${tag.slice(0, 64)}`)
    }
  }
  // the attribute form of the example; child elements win when both are present (docs/protocol.md §2)
  return {
    version: header.get('Version') ?? attribute(request, 'version'),
    secret: header.get('Secret') ?? attribute(request, 'secret'),
    requestId: header.get('RequestID'),
    operations,
  }
}
