import type { Generated, Selectable } from 'kysely'

/** Whether a NAS's requests must carry Message-Authenticator (BlastRADIUS, CVE-2024-3596). */
export type MessageAuthenticatorMode = 'required' | 'auto' | 'off'

/** How an Access-Accept carries the user's groups: Cisco `Class`, Fortinet's VSA, WatchGuard `Filter-Id`. */
export type GroupFormat = 'cisco' | 'fortinet' | 'watchguard'

/** A RADIUS client (PINsafe's "RADIUS NAS"): a VPN, a firewall, a gateway. */
export interface NasClientsTable {
  id: Generated<number>
  name: string
  /** JSON array of CIDR strings: the addresses its packets come from. */
  networks: string
  /** The shared secret, AES-GCM sealed with the master key, context `nas-secret:<id>`. */
  secret: Buffer
  /** The NAS-Identifier it sends, shown in the log lines; null: none expected. */
  identifier: string | null
  message_authenticator: Generated<MessageAuthenticatorMode>
  /** 1 once it has sent a Message-Authenticator: under `auto` it is required from then on. */
  seen_message_authenticator: Generated<number>
  /** 1: the directory password first, then an Access-Challenge for the one-time code. */
  two_stage: Generated<number>
  /** 1: the directory password and the one-time code in the one User-Password. */
  check_password: Generated<number>
  /** The Access-Accept carries the user's directory groups whose names contain this. */
  groups_keyword: string | null
  group_format: GroupFormat | null
  created_at: number
}

export type NasClient = Selectable<NasClientsTable>
