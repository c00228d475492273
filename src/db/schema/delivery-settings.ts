/** A delivery or site setting every node shares: its text, or, for one that may carry a credential, the text sealed. */
export interface DeliverySettingsTable {
  key: string
  value: string | null
  sealed: Buffer | null
}
