import type { Db } from '../index.js'
import type { RadiusChallenge } from '../schema/index.js'

export async function insertChallenge(db: Db, challenge: RadiusChallenge): Promise<void> {
  await db.insertInto('radius_challenges').values(challenge).execute()
}

/** Take a challenge: of two requests with one State (on any nodes), exactly one gets it. */
export async function takeChallenge(db: Db, nonceHash: Buffer): Promise<RadiusChallenge | undefined> {
  return db.deleteFrom('radius_challenges').where('nonce_hash', '=', nonceHash).returningAll().executeTakeFirst()
}

export async function purgeChallenges(db: Db, now: number): Promise<void> {
  await db.deleteFrom('radius_challenges').where('expires_at', '<=', now).execute()
}
