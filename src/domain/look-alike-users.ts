import { inTransaction } from '../db/engine.js'
import { namesBySkeleton, updateUser, usersWithoutSkeleton } from '../db/repositories/users.js'
import { InvalidInput } from './errors.js'
import { lookAlike, looksLikeReason, nameSkeleton } from './name-skeleton.js'
import type { Services } from './services.js'

// The stored side of look-alike names (name-skeleton.ts): the users' skeletons, and the check of a new name against them.

/**
 * Give the users of an earlier version their skeleton, a page at a time; run by every process
 * that opens the database, it finds nothing to do once done.
 */
export async function fillNameSkeletons(services: Pick<Services, 'db'>): Promise<number> {
  let filled = 0
  for (;;) {
    const users = await usersWithoutSkeleton(services.db, 500)
    if (users.length === 0) return filled
    await inTransaction(services.db, async (trx) => {
      for (const user of users) await updateUser(trx, user.id, { name_skeleton: nameSkeleton(user.name) })
    })
    filled += users.length
  }
}

/** Refuses `name` when an existing user's name looks like it (one that is the same user's is no look-alike). */
export async function refuseLookAlike(db: Services['db'], name: string): Promise<void> {
  const other = (await namesBySkeleton(db, nameSkeleton(name))).find((existing) => lookAlike(name, existing))
  if (other !== undefined) throw new InvalidInput(`user name ${JSON.stringify(name)} is not allowed: ${looksLikeReason(other)}`)
}
