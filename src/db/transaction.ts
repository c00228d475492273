import type { Db } from './index.js'
import { rawQuery } from './raw.js'

/**
 * Run `work` in one `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so a second
 * process waits on the busy timeout instead of failing half-way. Use only `trx` inside.
 */
export async function inTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.connection().execute(async (trx) => {
    await rawQuery(trx, 'BEGIN IMMEDIATE')
    try {
      const result = await work(trx)
      await rawQuery(trx, 'COMMIT')
      return result
    } catch (err) {
      await rawQuery(trx, 'ROLLBACK')
      throw err
    }
  })
}
