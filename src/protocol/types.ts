/** A parsed `<SASRequest>`: every value is a trimmed string, exactly as sent (docs/protocol.md §2). */
export interface AgentRequest {
  readonly version: string | undefined
  readonly requestId: string | undefined
  readonly secret: string | undefined
  readonly action: string | undefined
  /** Children of `<SASRequest>` other than the four above, by element name. */
  readonly fields: Readonly<Record<string, string | undefined>>
}

/** One element of a reply, after `Version`, `RequestID`, `Result` and `Error`. */
export interface ReplyElement {
  readonly name: string
  readonly text?: string
  readonly attrs?: Readonly<Record<string, string>>
  readonly children?: readonly ReplyElement[]
}

/** The paths a request can arrive on (docs/protocol.md §1); `proxy` is the public, mobile-only one. */
export const contexts = ['pinsafe', 'sentry', 'proxy'] as const
export type Context = (typeof contexts)[number]
