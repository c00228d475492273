import type { Generated, Selectable } from 'kysely'

export interface AgentsTable {
  id: Generated<number>
  name: string
  /** Keyed hash of the shared secret. */
  secret_hash: Buffer
  /** JSON array of CIDR strings. */
  networks: string
  /** 1 when the agent may use AdminXML. */
  admin: Generated<number>
  /** 1 when `login` from this agent must also carry the user's directory password. */
  check_password: Generated<number>
  created_at: number
}

export type Agent = Selectable<AgentsTable>
