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
}

export const presets: Readonly<Record<RepositoryPreset, Preset>> = {
  ad: {
    label: 'Active Directory',
    filter: '(&(objectCategory=person)(objectClass=user))',
    usernameAttr: 'sAMAccountName',
    emailAttr: 'mail',
    phoneAttr: 'mobile',
    disabledAttr: 'userAccountControl',
  },
  openldap: {
    label: 'OpenLDAP',
    filter: '(objectClass=inetOrgPerson)',
    usernameAttr: 'uid',
    emailAttr: 'mail',
    phoneAttr: 'mobile',
    disabledAttr: undefined,
  },
}

export const presetNames = Object.keys(presets) as RepositoryPreset[]

/** userAccountControl's ACCOUNTDISABLE bit (0x2). */
export function accountDisabled(userAccountControl: string | undefined): boolean {
  const flags = Number(userAccountControl)
  return Number.isInteger(flags) && (flags & 2) === 2
}
