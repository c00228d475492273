import type { Selectable } from 'kysely'

/** A RADIUS two-stage challenge waiting for its one-time code: taken (deleted) once, by any node. */
export interface RadiusChallengesTable {
  /** Keyed hash of the nonce sealed in the Access-Challenge's State. */
  nonce_hash: Buffer
  user_id: number
  nas_id: number
  expires_at: number
}

export type RadiusChallenge = Selectable<RadiusChallengesTable>

/** A RADIUS request being answered (reply null) or answered, by any node, for retransmissions. */
export interface RadiusRepliesTable {
  /** SHA-256 of the NAS id and the whole request datagram. */
  request_hash: Buffer
  reply: Buffer | null
  expires_at: number
}
