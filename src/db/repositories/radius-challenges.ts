import type { Db } from '../index.js'
import type { RadiusChallenge } from '../schema/index.js'

export async function insertChallenge(db: Db, challenge: RadiusChallenge): Promise<void> {
  await db.insertInto('radius_challenges').values(challenge).execute()
}

/** Take a challenge: of two requests with one State (on any nodes), exactly one gets it. */
export async function takeChallenge(db: Db, nonceHash: Buffer): Promise<RadiusChallenge | undefined> {
  return db.deleteFrom('radius_challenges').where('nonce_hash', '=', nonceHash).returningAll().executeTakeFirst()
}

/** Challenges and replies whose time is over. */
export async function purgeRadius(db: Db, now: number): Promise<void> {
  await db.deleteFrom('radius_challenges').where('expires_at', '<=', now).execute()
  await db.deleteFrom('radius_replies').where('expires_at', '<=', now).execute()
}

/**
 * Claim a request for this node: true when no node has it (a row is made, its reply to come);
 * else what the node that has it replied, or null while it is still deciding. An expired claim
 * is taken over.
 */
export async function claimRequest(db: Db, requestHash: Buffer, now: number, expiresAt: number): Promise<true | Buffer | null> {
  const claimed = await db
    .insertInto('radius_replies')
    .values({ request_hash: requestHash, reply: null, expires_at: expiresAt })
    .onConflict((oc) => oc.column('request_hash').doUpdateSet({ reply: null, expires_at: expiresAt }).where('radius_replies.expires_at', '<=', now))
    .executeTakeFirst()
  if (Number(claimed.numInsertedOrUpdatedRows ?? 0) > 0) return true
  const found = await db.selectFrom('radius_replies').select('reply').where('request_hash', '=', requestHash).executeTakeFirst()
  return found?.reply ?? null
}

export async function keepReply(db: Db, requestHash: Buffer, reply: Buffer): Promise<void> {
  await db.updateTable('radius_replies').set({ reply }).where('request_hash', '=', requestHash).execute()
}

/** Give a claim up (the request was dropped): another node may decide its retransmission. */
export async function releaseRequest(db: Db, requestHash: Buffer): Promise<void> {
  await db.deleteFrom('radius_replies').where('request_hash', '=', requestHash).where('reply', 'is', null).execute()
}
