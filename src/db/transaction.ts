import { sql } from 'kysely'
import type { Db } from './index.js'

/**
 * Run `work` in one `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so a second
 * process waits on the busy timeout instead of failing half-way. Use only `trx` inside. (The
 * actions on every request use the group commit of sync.ts instead.)
 */
export async function inTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.connection().execute(async (trx) => {
    await sql`BEGIN IMMEDIATE`.execute(trx)
    try {
      const result = await work(trx)
      await sql`COMMIT`.execute(trx)
      return result
    } catch (err) {
      await sql`ROLLBACK`.execute(trx)
      throw err
    }
  })
}
