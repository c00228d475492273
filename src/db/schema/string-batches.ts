import type { Generated, Selectable } from 'kysely'

/** The current batch of a device (unique `device_id`): the 100 strings, sealed as one value. */
export interface StringBatchesTable {
  id: Generated<number>
  device_id: number
  strings: Buffer
  created_at: number
}

/** An index of a batch that has been presented at login: burnt, right or wrong. */
export interface UsedStringsTable {
  batch_id: number
  idx: number
  used_at: number
}

export type StringBatch = Selectable<StringBatchesTable>
