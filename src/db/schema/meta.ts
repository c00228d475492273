/** Facts about the database itself, by key (`key-check`: the check value of the master key). */
export interface MetaTable {
  key: string
  value: string
}
