/**
 * The database cannot be used as asked (missing, not ours, made with another key, out of
 * reach): one line for the operator, never a stack trace. Nothing was written.
 */
export class DatabaseError extends Error {}

/** The database was made with another master key than the one given (see key-check.ts). */
export class KeyMismatch extends DatabaseError {}

/** A backup or restore that cannot be done, in words for the operator. */
export class BackupError extends Error {}

/**
 * A connection error in a few words: its code (PostgreSQL's SQLSTATE such as 57P01, or the
 * socket's ECONNRESET) and message. pg's errors carry the protocol fields and a stack (some
 * 3 KB a line, one line per pooled connection at a restart): an operator needs neither.
 */
export function connectionError(err: unknown): { readonly code: string | undefined; readonly reason: string } {
  const code = (err as { code?: unknown } | undefined)?.code
  const message = err instanceof Error ? err.message : String(err)
  return { code: typeof code === 'string' || typeof code === 'number' ? String(code) : undefined, reason: message.replace(/\s+/g, ' ').trim().slice(0, 300) }
}
