import type { RepositoryPreset } from '../db/schema/index.js'

/** The attribute names and user filter of a kind of directory, used where the repository sets none. */
export interface Preset {
  readonly label: string
  readonly filter: string
  readonly usernameAttr: string
  readonly emailAttr: string
  readonly phoneAttr: string
  /** Read to tell a disabled account (Active Directory's userAccountControl); none elsewhere. */
  readonly disabledAttr: string | undefined
  /** Finds entries that look like this kind of directory's users, whatever a repository's filter: asked when a sync finds none. */
  readonly probe: string
  /** What `probe` looks for, in words. */
  readonly signs: string
}

export const presets: Readonly<Record<RepositoryPreset, Preset>> = {
  ad: {
    label: 'Active Directory',
    filter: '(&(objectCategory=person)(objectClass=user))',
    usernameAttr: 'sAMAccountName',
    emailAttr: 'mail',
    phoneAttr: 'mobile',
    disabledAttr: 'userAccountControl',
    probe: '(|(objectCategory=person)(sAMAccountName=*))',
    signs: 'sAMAccountName or objectCategory person',
  },
  openldap: {
    label: 'OpenLDAP',
    filter: '(objectClass=inetOrgPerson)',
    usernameAttr: 'uid',
    emailAttr: 'mail',
    phoneAttr: 'mobile',
    disabledAttr: undefined,
    probe: '(|(objectClass=inetOrgPerson)(objectClass=posixAccount)(uid=*))',
    signs: 'uid, inetOrgPerson or posixAccount',
  },
}

export const presetNames = Object.keys(presets) as RepositoryPreset[]

/** userAccountControl's ACCOUNTDISABLE bit (0x2). */
export function accountDisabled(userAccountControl: string | undefined): boolean {
  const flags = Number(userAccountControl)
  return Number.isInteger(flags) && (flags & 2) === 2
}
