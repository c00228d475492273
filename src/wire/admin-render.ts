import type { AdminErrorCode } from '../protocol/admin-errors.js'
import type { AdminOperationName } from '../protocol/admin-types.js'
import type { ReplyElement } from '../protocol/types.js'
import { declaration, defaultVersion, renderElement } from './render.js'

export interface AdminOperationResult {
  readonly operation: AdminOperationName
  readonly user: string
  readonly result: 'PASS' | 'FAIL'
  readonly error?: AdminErrorCode | undefined
  /** What a PASS adds (Read: the `<User>`). */
  readonly elements?: readonly ReplyElement[]
}

export interface AdminReply {
  readonly version: string | undefined
  readonly requestId: string | undefined
  readonly result: 'PASS' | 'FAIL'
  /** Only when the whole request was refused; then there are no results. */
  readonly error?: AdminErrorCode | undefined
  readonly results?: readonly AdminOperationResult[]
}

function resultElement({ operation, user, result, error, elements }: AdminOperationResult): ReplyElement {
  const children: ReplyElement[] = [{ name: 'Result', text: result }]
  if (error !== undefined) children.push({ name: 'Error', text: error })
  return { name: operation, attrs: { user }, children: [...children, ...(elements ?? [])] }
}

/**
 * An `<AdminResponse>`: Version, RequestID, Result, Error as in a `<SASResponse>` (docs/protocol.md §2), then
 * `<Results>` with one element per operation, in request order, named after the operation.
 */
export function renderAdminReply(reply: AdminReply): string {
  const children: ReplyElement[] = [{ name: 'Version', text: reply.version || defaultVersion }]
  if (reply.requestId !== undefined) children.push({ name: 'RequestID', text: reply.requestId })
  children.push({ name: 'Result', text: reply.result })
  if (reply.error !== undefined) children.push({ name: 'Error', text: reply.error })
  if (reply.results !== undefined) children.push({ name: 'Results', children: reply.results.map(resultElement) })
  return `${declaration}${renderElement({ name: 'AdminResponse', children })}\n`
}
