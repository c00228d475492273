import type { ErrorCode } from '../protocol/errors.js'
import type { ReplyElement } from '../protocol/types.js'

export const declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'
export const defaultVersion = '3.6'

export interface Reply {
  readonly version: string | undefined
  readonly requestId: string | undefined
  readonly result: 'PASS' | 'FAIL'
  readonly error?: ErrorCode | undefined
  readonly elements?: readonly ReplyElement[]
}

/** A `<SASResponse>`; children in the order docs/protocol.md §2 fixes: Version, RequestID, Result, Error, the rest. */
export function renderReply(reply: Reply): string {
  let xml = `${declaration}<SASResponse><Version>${escapeXml(reply.version || defaultVersion)}</Version>`
  if (reply.requestId !== undefined) xml += `<RequestID>${escapeXml(reply.requestId)}</RequestID>`
  xml += `<Result>${reply.result}</Result>`
  if (reply.error !== undefined) xml += `<Error>${reply.error}</Error>`
  for (const element of reply.elements ?? []) xml += renderElement(element)
  return `${xml}</SASResponse>\n`
}

export function renderElement({ name, text, attrs, children }: ReplyElement): string {
  let xml = `<${name}`
  for (const [key, value] of Object.entries(attrs ?? {})) xml += ` ${key}="${escapeXml(value)}"`
  if (text === undefined && !children?.length) return `${xml}/>`
  xml += `>${escapeXml(text ?? '')}`
  for (const child of children ?? []) xml += renderElement(child)
  return `${xml}</${name}>`
}

/** A whole document for replies other than `SASResponse` (site lookup, 404). */
export function renderDocument(element: ReplyElement): string {
  return `${declaration}${renderElement(element)}\n`
}

const replacements: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }

// characters XML 1.0 cannot carry at all are dropped rather than sent broken
const forbidden = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g
const special = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/

export function escapeXml(text: string): string {
  // most values (versions, digits, ids) have nothing to escape: one test instead of two rewrites
  if (!special.test(text)) return text
  return text.replace(/[&<>"']/g, (c) => replacements[c] ?? c).replace(forbidden, '')
}
