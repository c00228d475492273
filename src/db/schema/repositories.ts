import type { Generated, Selectable } from 'kysely'

export type RepositoryPreset = 'ad' | 'openldap'

/** A user repository: an LDAP directory whose entries become users (PINsafe's repositories). */
export interface RepositoriesTable {
  id: Generated<number>
  name: string
  type: 'ldap'
  preset: RepositoryPreset
  /** ldap:// or ldaps:// with host and port. */
  url: string
  /** 1: upgrade an ldap:// connection with StartTLS before binding. */
  start_tls: number
  /** 1: ldap:// without StartTLS is allowed (passwords cross the network in clear); 0 on any TLS connection. */
  allow_plain_ldap: Generated<number>
  /** PEM certificates trusted for the directory's TLS; null: the system's. */
  ca_pem: string | null
  bind_dn: string
  /** AES-GCM sealed with the master key, context `repository-bind:<id>`. */
  bind_password: Buffer
  base_dn: string
  filter: string
  username_attr: string
  email_attr: string
  phone_attr: string
  /** JSON array of group DNs: when not empty, only their members are users. */
  groups: string
  /** Members of this group get the mobile right; null: every user does. */
  mobile_group: string | null
  /** The transport new users of this repository get (outbox, email, sms); theirs to change after. */
  user_transport: string
  /** Minutes between scheduled syncs; 0: only on demand. */
  interval_minutes: number
  /** Days a user whose entry disappeared is kept (marked removed) before deletion. */
  grace_days: number
  /** A sync that would remove more than this share of the users stops instead. */
  max_removal_percent: number
  /** Set while a process syncs the repository: no second sync starts before it lapses. */
  sync_lease_until: number | null
  created_at: number
}

export type Repository = Selectable<RepositoriesTable>
