/** The operations an `<AdminRequest>` may hold, as element names. */
export const adminOperationNames = ['Create', 'Read', 'Update', 'Delete', 'Reprovision', 'Unlock', 'ResetPIN'] as const
export type AdminOperationName = (typeof adminOperationNames)[number]

/** `<User name="...">` with its optional child elements; values trimmed, exactly as sent. */
export interface AdminUser {
  readonly name: string | undefined
  readonly pin?: string | undefined
  readonly transport?: string | undefined
  readonly destination?: string | undefined
}

export interface AdminOperationRequest {
  readonly operation: AdminOperationName
  readonly user: AdminUser
}

/** A parsed `<AdminRequest>`: operations in document order. */
export interface AdminRequest {
  readonly version: string | undefined
  readonly secret: string | undefined
  readonly requestId: string | undefined
  readonly operations: readonly AdminOperationRequest[]
}
