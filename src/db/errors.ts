/**
 * The database cannot be used as asked (missing, not ours, made with another key, out of
 * reach): one line for the operator, never a stack trace. Nothing was written.
 */
export class DatabaseError extends Error {}

/** The database was made with another master key than the one given (see key-check.ts). */
export class KeyMismatch extends DatabaseError {}

/** A backup or restore that cannot be done, in words for the operator. */
export class BackupError extends Error {}
