export interface PoliciesTable {
  key: string
  value: string
}
